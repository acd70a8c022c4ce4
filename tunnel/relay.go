package tunnel

import (
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"sync"
)

// relay carries one peer's Rosenpass packets between go-rosenpass, which
// sends them to inner on the loopback, and the peer's endpoint, reached
// from outer: a socket with the tunnel socket's options, so that it leaves
// outside the tunnel and passes the kill switch as the service's own.
type relay struct {
	pins  *socketPins
	log   *slog.Logger
	peer  netip.AddrPort
	inner *net.UDPConn
	outer *net.UDPConn
	wg    sync.WaitGroup
}

// maxRosenpassPacket is above Rosenpass's largest message (RespHello,
// about 1.1 KB).
const maxRosenpassPacket = 2048

func newRelay(peer netip.AddrPort, sock socketOptions, log *slog.Logger) (*relay, error) {
	r := &relay{log: log, peer: peer, pins: sock.pins}
	var err error
	if r.inner, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
		return nil, err
	}
	network := "udp4"
	if peer.Addr().Is6() && !peer.Addr().Is4In6() {
		network = "udp6"
	}
	if r.outer, err = sock.listenUDP(network); err != nil {
		r.inner.Close()
		return nil, err
	}
	return r, nil
}

// start relays until close; local is go-rosenpass's own loopback socket.
func (r *relay) start(local netip.AddrPort) {
	r.wg.Add(2)
	go r.pump(r.inner, r.outer, func(from netip.AddrPort) bool { return from == local }, r.peer)
	// From outside, any sender: a server with several addresses may answer
	// from another, and go-rosenpass drops what its MAC does not cover.
	go r.pump(r.outer, r.inner, func(netip.AddrPort) bool { return true }, local)
}

// pump forwards what src receives from an accepted sender to dst via out.
func (r *relay) pump(src, out *net.UDPConn, accept func(netip.AddrPort) bool, dst netip.AddrPort) {
	defer r.wg.Done()
	buf := make([]byte, maxRosenpassPacket)
	for {
		n, from, err := src.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				r.log.Warn("Rosenpass relay stopped", "error", err.Error())
			}
			return
		}
		if !accept(from) {
			continue
		}
		if _, err := out.WriteToUDPAddrPort(buf[:n], dst); err != nil && !errors.Is(err, net.ErrClosed) {
			r.log.Debug("Rosenpass relay: send", "to", dst.String(), "error", err.Error())
		}
	}
}

func (r *relay) close() {
	if r.pins != nil {
		r.pins.remove(r.outer)
	}
	r.inner.Close()
	r.outer.Close()
	r.wg.Wait()
}
