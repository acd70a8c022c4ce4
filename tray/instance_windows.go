package tray

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// InstanceSocket is the per-user named pipe the agent listens on so that a
// second start reaches it instead of adding a second icon. Pipes need no
// file to clean up after a crash, and every Windows has them (AF_UNIX
// needs Windows 10 1803).
func InstanceSocket() (string, error) {
	sid, err := userSID()
	if err != nil {
		return "", fmt.Errorf("find who runs wgtray: %w", err)
	}
	return `\\.\pipe\wgtray-agent-` + sid, nil
}

func userSID() (string, error) {
	u, err := windows.GetCurrentProcessToken().GetTokenUser()
	if err != nil {
		return "", err
	}
	return u.User.Sid.String(), nil
}

func dialInstance(path string) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return winio.DialPipeContext(ctx, path)
}

// listenInstance serves the pipe to its user alone; ErrRunning when an
// agent of that user already serves it.
func listenInstance(path string) (net.Listener, error) {
	sid, err := userSID()
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	l, err := winio.ListenPipe(path, &winio.PipeConfig{SecurityDescriptor: "D:P(A;;GA;;;" + sid + ")"})
	if err == nil {
		return l, nil
	}
	if c, derr := dialInstance(path); derr == nil {
		c.Close()
		return nil, ErrRunning
	}
	if errors.Is(err, windows.ERROR_ACCESS_DENIED) || errors.Is(err, windows.ERROR_PIPE_BUSY) {
		return nil, ErrRunning
	}
	return nil, fmt.Errorf("listen on %s: %w", path, err)
}
