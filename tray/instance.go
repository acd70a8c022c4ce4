package tray

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"time"
)

// Request is what a second start of wgtray asks the running agent: show
// the window, and import files.
type Request struct {
	Show  bool     `json:"show"`
	Files []string `json:"files,omitempty"`
}

// InstanceSocket is the per-user socket the agent listens on so that a
// second start reaches it instead of adding a second icon: in
// $XDG_RUNTIME_DIR (private to the user's session), else in the user's
// cache directory.
func InstanceSocket() (string, error) {
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		cache, err := os.UserCacheDir()
		if err != nil {
			return "", fmt.Errorf("find a directory for wgtray's socket: %w; set XDG_RUNTIME_DIR", err)
		}
		dir = filepath.Join(cache, "wgtray")
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return "", fmt.Errorf("create %s: %w", dir, err)
		}
	}
	return filepath.Join(dir, "wgtray-agent.sock"), nil
}

// Ask hands a request to the agent listening on path. It fails when none
// answers.
func Ask(path string, req Request) error {
	conn, err := net.DialTimeout("unix", path, 2*time.Second)
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if err := json.NewEncoder(conn).Encode(req); err != nil {
		return fmt.Errorf("ask the running wgtray: %w", err)
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return fmt.Errorf("ask the running wgtray: %w", err)
	}
	if reply != "ok\n" {
		return fmt.Errorf("the running wgtray answered %q", reply)
	}
	return nil
}

// ErrRunning says another agent already serves this user's session.
var ErrRunning = errors.New("wgtray already runs in this session")

// Listen takes the per-user socket, replacing one left by an agent that
// died, and hands every request to serve. It returns ErrRunning when
// another agent answers on it.
func Listen(path string, log *slog.Logger, serve func(Request)) (net.Listener, error) {
	for range 3 {
		l, err := net.Listen("unix", path)
		if err == nil {
			go accept(l, log, serve)
			return l, nil
		}
		if c, derr := net.DialTimeout("unix", path, 2*time.Second); derr == nil {
			c.Close()
			return nil, ErrRunning
		}
		// Nobody answers: a socket file left behind by a crash.
		if rerr := os.Remove(path); rerr != nil && !os.IsNotExist(rerr) {
			return nil, fmt.Errorf("listen on %s: %w (and cannot remove it: %v)", path, err, rerr)
		}
	}
	return nil, fmt.Errorf("listen on %s: another start keeps taking it", path)
}

func accept(l net.Listener, log *slog.Logger, serve func(Request)) {
	for {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		go func() {
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(5 * time.Second))
			var req Request
			if err := json.NewDecoder(bufio.NewReader(conn)).Decode(&req); err != nil {
				log.Info("a bad request on the agent's socket", "err", err)
				return
			}
			serve(req)
			conn.Write([]byte("ok\n"))
		}()
	}
}
