package tray

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"
)

// Request is what a second start of wgtray asks the running agent: show
// the window, and import files.
type Request struct {
	Show  bool     `json:"show"`
	Files []string `json:"files,omitempty"`
}

// Ask hands a request to the agent listening on path. It fails when none
// answers.
func Ask(path string, req Request) error {
	conn, err := dialInstance(path)
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
	l, err := listenInstance(path)
	if err != nil {
		return nil, err
	}
	go accept(l, log, serve)
	return l, nil
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
