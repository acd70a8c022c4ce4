package tunnel

import (
	"context"
	"errors"
	"net"
	"sync"
)

// socketOptions are what the platform set on the tunnel's WireGuard socket
// and what the service's other sockets to the peers must carry as well.
type socketOptions struct {
	// mark is the firewall mark (Linux), 0 for none.
	mark uint32
	// pins are the interfaces the platform pins the WireGuard socket to
	// (Windows, for a full tunnel); the other sockets follow them.
	pins *socketPins
}

// listenUDP opens a UDP socket of network ("udp4" or "udp6") on an
// ephemeral port with the options.
func (o socketOptions) listenUDP(network string) (*net.UDPConn, error) {
	lc := net.ListenConfig{Control: o.control}
	c, err := lc.ListenPacket(context.Background(), network, ":0")
	if err != nil {
		return nil, err
	}
	uc := c.(*net.UDPConn)
	if o.pins != nil {
		o.pins.add(uc, network)
	}
	return uc, nil
}

// socketPins keeps the service's other sockets to the peers pinned to the
// interface the platform pins the WireGuard socket to, now and when that
// changes (a new default route).
type socketPins struct {
	mu        sync.Mutex
	index     map[int]uint32 // by family, 4 or 6
	blackhole map[int]bool   // the WireGuard socket's, by family
	conns     map[*net.UDPConn]int
}

func (p *socketPins) set(family int, index uint32, blackhole bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.index == nil {
		p.index, p.blackhole = map[int]uint32{}, map[int]bool{}
	}
	p.index[family], p.blackhole[family] = index, blackhole
	for c, f := range p.conns {
		if f == family {
			_ = pinSocket(c, family, index) // a closed socket needs no pin
		}
	}
}

func (p *socketPins) add(c *net.UDPConn, network string) {
	family := 4
	if network == "udp6" {
		family = 6
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns == nil {
		p.conns = map[*net.UDPConn]int{}
	}
	p.conns[c] = family
	if index, ok := p.index[family]; ok {
		_ = pinSocket(c, family, index)
	}
}

// pinAgain pins the WireGuard socket as the platform last did, with pin:
// a socket bound again has none of the old one's pins.
func (p *socketPins) pinAgain(pin func(family int, index uint32, blackhole bool) error) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for family, index := range p.index {
		errs = append(errs, pin(family, index, p.blackhole[family]))
	}
	return errors.Join(errs...)
}

func (p *socketPins) remove(c *net.UDPConn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.conns, c)
}
