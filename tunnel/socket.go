package tunnel

import (
	"context"
	"net"
)

// socketOptions are what the platform set on the tunnel's WireGuard socket
// and what the service's other sockets to the peers must carry as well.
type socketOptions struct {
	// mark is the firewall mark (Linux), 0 for none.
	mark uint32
}

// listenUDP opens a UDP socket of network ("udp4" or "udp6") on an
// ephemeral port with the options.
func (o socketOptions) listenUDP(network string) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: o.control}
	c, err := lc.ListenPacket(context.Background(), network, ":0")
	if err != nil {
		return nil, err
	}
	return c.(*net.UDPConn), nil
}
