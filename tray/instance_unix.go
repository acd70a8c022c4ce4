//go:build !windows

package tray

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"
)

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

func dialInstance(path string) (net.Conn, error) {
	return net.DialTimeout("unix", path, 2*time.Second)
}

// listenInstance listens on path, replacing a socket file that an agent
// which died left behind; ErrRunning when an agent answers on it.
func listenInstance(path string) (net.Listener, error) {
	for range 3 {
		l, err := net.Listen("unix", path)
		if err == nil {
			return l, nil
		}
		if c, derr := dialInstance(path); derr == nil {
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
