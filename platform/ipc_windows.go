package platform

import (
	"context"
	"errors"
	"net"

	"github.com/Microsoft/go-winio"
)

// ListenIPC listens on the named pipe path.
func ListenIPC(path string) (net.Listener, error) {
	return winio.ListenPipe(path, nil)
}

// DialIPC connects to the service's named pipe.
func DialIPC(ctx context.Context, path string) (net.Conn, error) {
	return winio.DialPipeContext(ctx, path)
}

// PeerOf is not implemented on Windows yet: identifying the pipe client
// needs its token (ImpersonateNamedPipeClient), which the Windows backend
// adds. Until then every caller is refused.
func PeerOf(net.Conn) (Peer, error) {
	return Peer{}, errors.New("identifying the pipe client is not implemented on Windows yet")
}
