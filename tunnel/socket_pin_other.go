//go:build !windows

package tunnel

import "net"

// pinSocket does nothing: only the Windows platform pins sockets (Linux
// marks them, macOS routes the endpoints' hosts outside the tunnel).
func pinSocket(*net.UDPConn, int, uint32) error { return nil }
