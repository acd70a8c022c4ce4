//go:build !linux

package tunnel

import "syscall"

// control sets nothing: only Linux marks sockets. On macOS the platform
// routes the endpoints' hosts outside the tunnel; on Windows socketPins
// pins the socket like the WireGuard socket.
func (o socketOptions) control(_, _ string, _ syscall.RawConn) error { return nil }
