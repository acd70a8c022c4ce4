package tunnel

import (
	"context"
	"net/netip"
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
)

// rejoinSettle is how long a change of routes or addresses must rest
// before the tunnel binds again: a move changes them in a burst, and
// traffic must flow again within 2 s of the network coming back.
const rejoinSettle = 200 * time.Millisecond

// rejoin gets the tunnel talking again after the network under it
// changed (a default route that moved, a link that came back) or the
// machine resumed from sleep: it opens the UDP socket again, so that it
// sends from the current network's address, and starts a handshake with
// every peer, after resolving endpoint host names again.
func (t *Tunnel) rejoin() {
	defer t.workers.Done()
	ctx, cancel := t.untilStop()
	defer cancel()
	changes, err := netconf.WatchNetwork(t.ifname, t.stop)
	if err != nil {
		t.log.Warn("cannot watch the network; the tunnel rejoins only after a resume from sleep", "err", err)
	}
	slept := clock.Slept()
	tick := time.NewTicker(sleepCheck)
	defer tick.Stop()
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
			if settle == nil {
				settle = time.After(rejoinSettle)
			}
		case <-settle:
			settle = nil
			t.rebind(ctx, "the network changed")
		case <-tick.C:
			s := clock.Slept()
			if s-slept > sleepCheck {
				t.rebind(ctx, "resumed from sleep")
			}
			slept = s
		}
	}
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
