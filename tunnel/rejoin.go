package tunnel

import (
	"context"
	"net/netip"
	"slices"
	"time"

	"golang.zx2c4.com/wireguard/device"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/platform/netconf"
)

// sleepClock says how long the machine has been suspended since it booted:
// the boot-time clock less the monotonic one (Linux CLOCK_BOOTTIME less
// CLOCK_MONOTONIC, and their equivalents elsewhere). When it grows, the
// machine has resumed from sleep.
type sleepClock interface {
	Slept() time.Duration
}

// Variables, not constants, so that tests can replace them.
var (
	clock sleepClock = systemClock{}
	// How often the tunnel looks at the clocks for a resume.
	sleepCheck = time.Second
	// A peer that was sent traffic and has not answered (no handshake,
	// nothing received) for silentAfter makes the tunnel rejoin the
	// network; still nothing after unansweredAfter, the tunnel reports
	// it (Health.Unanswered). silenceCheck is how often it looks.
	silentAfter     = 2 * time.Minute
	unansweredAfter = 3 * time.Minute
	silenceCheck    = 10 * time.Second
	// rejoinConfirm bounds the wait for the handshake that ends "waiting
	// for the network" once the network is back.
	rejoinConfirm = 5 * time.Second
)

// rejoinSettle is how long a change of routes, addresses or links must
// rest before the tunnel looks at its paths again: a move changes them in
// a burst, and traffic must flow again within 2 s of the network coming
// back.
const rejoinSettle = 200 * time.Millisecond

// Health is what a running tunnel knows about the network under it.
type Health struct {
	// NoNetwork: the tunnel has no way to any peer's endpoint (no route,
	// or its link is down): the network went away. It clears once the
	// network is back and a handshake completed, or rejoinConfirm after.
	NoNetwork bool
	// Unanswered are the peers that were sent traffic and have answered
	// nothing for unansweredAfter, although the tunnel rejoined the
	// network for them.
	Unanswered []importer.Key
}

func (h Health) equal(o Health) bool {
	return h.NoNetwork == o.NoNetwork && slices.Equal(h.Unanswered, o.Unanswered)
}

// path is how packets to one endpoint leave the machine; the zero path is
// none.
type path struct {
	ok      bool
	link    int
	gateway netip.Addr
	source  netip.Addr
}

// paths are what the tunnel sees of the network under it: the way to each
// endpoint of its peers, and the default routes.
type paths struct {
	endpoints map[netip.Addr]path
	defaults  []path
}

// none reports whether there are endpoints and no way to any of them.
func (p paths) none() bool {
	for _, r := range p.endpoints {
		if r.ok {
			return false
		}
	}
	return len(p.endpoints) > 0
}

// moved reports whether the default routes or the way to an endpoint
// known to both changed: what another tunnel's interface, routes and
// addresses do not touch, and what a new gateway, a link that went and
// came back or a new address does.
func (p paths) moved(now paths) bool {
	if !slices.Equal(p.defaults, now.defaults) {
		return true
	}
	for ep, r := range now.endpoints {
		if before, ok := p.endpoints[ep]; ok && before != r {
			return true
		}
	}
	return false
}

func (t *Tunnel) paths() paths {
	mark := t.FwMark()
	p := paths{endpoints: map[netip.Addr]path{}, defaults: defaultRoutes(t.ifname)}
	for _, ep := range t.endpoints() {
		p.endpoints[ep] = pathTo(ep, mark, t.ifname)
	}
	return p
}

// rejoin gets the tunnel talking again after the network under it
// changed (a default route that moved, a link that came back), the machine
// resumed from sleep, or a peer stopped answering: it opens the UDP socket
// again, so that it sends from the current network's address, and starts
// a handshake with every peer, after resolving endpoint host names again.
// It also keeps the tunnel's Health.
func (t *Tunnel) rejoin() {
	defer t.workers.Done()
	ctx, cancel := t.untilStop()
	defer cancel()
	changes, err := netconf.WatchNetwork(t.ifname, t.stop)
	if err != nil {
		t.log.Warn("cannot watch the network; the tunnel rejoins only after a resume from sleep", "err", err)
	}
	resumed, err := watchResume(t.stop)
	if err != nil {
		t.log.Debug("no resume signal from logind; the clocks tell a resume", "err", err)
	}
	slept := clock.Slept()
	tick := time.NewTicker(sleepCheck)
	defer tick.Stop()
	quiet := time.NewTicker(silenceCheck)
	defer quiet.Stop()
	silence := map[importer.Key]*peerSilence{}
	last := t.paths()
	if last.none() {
		t.waitForNetwork()
	}
	var settle <-chan time.Time
	for {
		select {
		case <-t.stop:
			if changes != nil {
				for range changes {
				}
			}
			return
		case _, ok := <-changes:
			if !ok {
				changes = nil
				continue
			}
			// Going away needs no settling: the sooner the user knows,
			// the better (the kernel itself tells a lost carrier up to a
			// second late). Rejoining does.
			if !last.none() {
				if now := t.paths(); now.none() {
					t.waitForNetwork()
					last = now
				}
			}
			if settle == nil {
				settle = time.After(rejoinSettle)
			}
		case <-settle:
			settle = nil
			now := t.paths()
			switch {
			case now.none():
				if !last.none() {
					t.waitForNetwork()
				}
			case last.none():
				t.rebind(ctx, "the network is back")
				t.networkBack(ctx)
			case last.moved(now):
				t.rebind(ctx, "the network changed")
			}
			last = now
		case _, ok := <-resumed:
			if !ok {
				resumed = nil
				continue
			}
			t.rebind(ctx, "resumed from sleep (logind)")
			slept = clock.Slept()
		case <-tick.C:
			s := clock.Slept()
			if s-slept > sleepCheck {
				t.rebind(ctx, "resumed from sleep")
			}
			slept = s
		case <-quiet.C:
			t.checkSilence(ctx, silence, last.none())
		}
	}
}

// waitForNetwork marks the tunnel as having no network.
func (t *Tunnel) waitForNetwork() {
	t.log.Warn("waiting for the network: no route to any peer's endpoint")
	t.setHealth(func(h *Health) { h.NoNetwork = true })
}

// networkBack waits up to rejoinConfirm for a handshake after the network
// came back, then clears NoNetwork.
func (t *Tunnel) networkBack(ctx context.Context) {
	since := time.Now()
	poll := time.NewTicker(50 * time.Millisecond)
	defer poll.Stop()
	timeout := time.NewTimer(rejoinConfirm)
	defer timeout.Stop()
	for !t.handshakeSince(since) {
		select {
		case <-ctx.Done():
			return
		case <-timeout.C:
			t.log.Warn("the network is back, but no peer answered yet")
			t.setHealth(func(h *Health) { h.NoNetwork = false })
			return
		case <-poll.C:
		}
	}
	t.log.Info("the network is back and a peer answered", "after", time.Since(since).Round(time.Millisecond))
	t.setHealth(func(h *Health) { h.NoNetwork = false })
}

// handshakeSince reports whether a peer completed a handshake after at.
// wireguard-go records handshakes to the second.
func (t *Tunnel) handshakeSince(at time.Time) bool {
	st, err := t.Stats()
	if err != nil {
		return false
	}
	for _, p := range st.Peers {
		if !p.LatestHandshake.Before(at.Truncate(time.Second)) {
			return true
		}
	}
	return false
}

// peerSilence is what checkSilence remembers of one peer.
type peerSilence struct {
	rx, tx    uint64
	handshake time.Time
	// sentAt is when traffic to the peer was first seen unanswered; zero
	// while it answers.
	sentAt             time.Time
	rejoined, reported bool
}

// checkSilence rejoins the network for a peer that was sent traffic and
// answered nothing (no byte, no handshake in silentAfter) for silentAfter,
// and reports it in Health once unansweredAfter passed all the same. While
// there is no network, nothing counts. (A tunnel that sends only
// persistent keepalives gets an answer at its next rekey, within 2
// minutes and one keepalive interval: with an interval of a minute or
// more, such a tunnel may rejoin once for nothing, which costs one
// handshake and stalls no data.)
func (t *Tunnel) checkSilence(ctx context.Context, silence map[importer.Key]*peerSilence, offline bool) {
	st, err := t.Stats()
	if err != nil {
		return
	}
	now := time.Now()
	rejoin := false
	for _, p := range st.Peers {
		s, ok := silence[p.PublicKey]
		if !ok {
			silence[p.PublicKey] = &peerSilence{rx: p.RxBytes, tx: p.TxBytes, handshake: p.LatestHandshake}
			continue
		}
		answered := p.RxBytes != s.rx || !p.LatestHandshake.Equal(s.handshake)
		sent := p.TxBytes != s.tx
		s.rx, s.tx, s.handshake = p.RxBytes, p.TxBytes, p.LatestHandshake
		switch {
		case answered || offline || !p.Endpoint.IsValid():
			if s.reported {
				t.log.Info("a peer answers again", "peer", p.PublicKey.String())
			}
			*s = peerSilence{rx: s.rx, tx: s.tx, handshake: s.handshake}
			continue
		case sent && s.sentAt.IsZero():
			s.sentAt = now
		}
		if s.sentAt.IsZero() {
			continue
		}
		quiet := now.Sub(s.sentAt)
		if now.Sub(p.LatestHandshake) < silentAfter {
			// A handshake this recent answers too.
			continue
		}
		if quiet >= silentAfter && !s.rejoined {
			s.rejoined, rejoin = true, true
		}
		if quiet >= unansweredAfter && !s.reported {
			s.reported = true
			t.log.Warn("a peer answers nothing although the tunnel rejoined the network; check that the peer runs and the endpoint is right", "peer", p.PublicKey.String(), "for", quiet.Round(time.Second))
		}
	}
	var unanswered []importer.Key
	for key, s := range silence {
		if !slices.ContainsFunc(st.Peers, func(p PeerStats) bool { return p.PublicKey == key }) {
			delete(silence, key)
		} else if s.reported {
			unanswered = append(unanswered, key)
		}
	}
	slices.SortFunc(unanswered, func(a, b importer.Key) int { return slices.Compare(a[:], b[:]) })
	if rejoin {
		t.rebind(ctx, "a peer that was sent traffic answered nothing for "+silentAfter.String())
	}
	t.setHealth(func(h *Health) { h.Unanswered = unanswered })
}

// setHealth changes the tunnel's health and tells Options.OnHealth when it
// changed. Only the rejoin worker calls it.
func (t *Tunnel) setHealth(change func(*Health)) {
	t.healthMu.Lock()
	h := t.health
	h.Unanswered = slices.Clone(h.Unanswered)
	change(&h)
	same := h.equal(t.health)
	t.health = h
	t.healthMu.Unlock()
	if !same && t.onHealth != nil {
		t.onHealth(h)
	}
}

// Health is what the tunnel knows about the network under it.
func (t *Tunnel) Health() Health {
	t.healthMu.Lock()
	defer t.healthMu.Unlock()
	h := t.health
	h.Unanswered = slices.Clone(h.Unanswered)
	return h
}

// rebind resolves endpoint host names again, opens the device's UDP socket
// again and starts a new handshake with every peer that has an endpoint.
// Host names go first: a handshake answered from an old address would move
// the peer's endpoint back there.
func (t *Tunnel) rebind(ctx context.Context, why string) {
	select {
	case <-t.stop:
		return
	default:
	}
	st, err := t.Stats()
	if err != nil {
		t.log.Warn("rejoin the network", "why", why, "err", err)
		return
	}
	t.log.Info("rejoining the network: binding the UDP socket again and starting handshakes", "why", why)
	current := map[importer.Key]netip.AddrPort{}
	for _, p := range st.Peers {
		current[p.PublicKey] = p.Endpoint
	}
	if hosts, _ := t.hostPeers(); len(hosts) > 0 {
		t.updateEndpoints(ctx, hosts, current)
		if st, err = t.Stats(); err != nil {
			t.log.Warn("rejoin the network", "why", why, "err", err)
			return
		}
	}
	if err := t.dev.BindUpdate(); err != nil {
		t.log.Warn("bind the UDP socket again", "err", err)
	}
	// The new socket must leave where the old one was pinned (Windows: a
	// full tunnel's socket to the physical interface), not into the tunnel.
	if err := t.pins.pinAgain(pinBind(t.dev)); err != nil {
		t.log.Warn("pin the new UDP socket to the physical interface", "err", err)
	}
	for _, p := range st.Peers {
		if !p.Endpoint.IsValid() {
			continue
		}
		if peer := t.dev.LookupPeer(device.NoisePublicKey(p.PublicKey)); peer != nil {
			// The session may be bound to a network that is gone (the
			// peer's NAT forgot it while we slept): a new handshake now,
			// not when the current keys run out.
			peer.ExpireCurrentKeypairs()
			if err := peer.SendHandshakeInitiation(false); err != nil {
				t.log.Warn("start a handshake", "peer", p.PublicKey.String(), "err", err)
			}
		}
	}
}

// untilStop is a context that ends when the tunnel closes.
func (t *Tunnel) untilStop() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-t.stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}
