//go:build !linux && !windows

package netconf

import "net"

// Resolver is the system's resolver where this package marks no sockets;
// how the kill switch treats the service's look-ups there is up to its
// backend (see FirewallRule.Mark).
func Resolver(uint32) *net.Resolver { return net.DefaultResolver }
