//go:build !linux

package tunnel

import "syscall"

// control sets nothing: only Linux marks sockets. On macOS the platform
// routes the endpoints' hosts outside the tunnel; on Windows it pins
// the WireGuard socket to the default interface, which this socket lacks.
func (o socketOptions) control(_, _ string, _ syscall.RawConn) error { return nil }
