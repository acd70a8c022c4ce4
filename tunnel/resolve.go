package tunnel

import (
	"context"
	"fmt"
	"maps"
	"net/netip"
	"time"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/platform/firewall"
	"github.com/wgtray/wgtray/platform/netconf"
)

// Variables, not constants, so that tests can shorten them.
var (
	// A peer without a completed handshake for this long has its endpoint
	// host name resolved again: the server may have moved (dynamic DNS).
	reresolveAfter = 2 * time.Minute
	// How often the tunnel checks for such peers.
	reresolveCheck = 10 * time.Second
)

// resolveEndpoints resolves every endpoint that is a host name.
func resolveEndpoints(ctx context.Context, peers []importer.Peer) (map[importer.Key]netip.AddrPort, error) {
	endpoints := map[importer.Key]netip.AddrPort{}
	for _, p := range peersWithHostnames(peers) {
		ep, err := resolve(ctx, p.Endpoint, firewall.ResolverMark)
		if err != nil {
			return nil, err
		}
		endpoints[p.PublicKey] = ep
	}
	return endpoints, nil
}

// resolve looks ep up with queries marked with mark: ResolverMark, which
// the kill switch lets through, or once a tunnel is up its own mark, which
// also keeps the queries out of its routes.
func resolve(ctx context.Context, ep importer.Endpoint, mark uint32) (netip.AddrPort, error) {
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	addrs, err := netconf.Resolver(mark).LookupNetIP(ctx, "ip", ep.Host)
	if err == nil && len(addrs) == 0 {
		err = fmt.Errorf("no addresses")
	}
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("%w: %s (%v); check the peer's Endpoint and the network connection", ErrEndpointUnresolvable, ep.Host, err)
	}
	return netip.AddrPortFrom(addrs[0].Unmap(), ep.Port), nil
}

func peersWithHostnames(peers []importer.Peer) []importer.Peer {
	var out []importer.Peer
	for _, p := range peers {
		if _, err := netip.ParseAddr(p.Endpoint.Host); !p.Endpoint.IsZero() && err != nil {
			out = append(out, p)
		}
	}
	return out
}

// reresolve keeps the endpoints of peers given by host name current for a
// peer without a handshake in reresolveAfter (rejoin resolves them when the
// network changed or the machine resumed).
func (t *Tunnel) reresolve() {
	defer t.workers.Done()
	ctx, cancel := t.untilStop()
	defer cancel()
	tick := time.NewTicker(reresolveCheck)
	defer tick.Stop()
	lastResolved := map[importer.Key]time.Time{}
	for {
		var due []importer.Peer
		peers, current := t.hostPeers()
		for _, p := range peers {
			if _, ok := lastResolved[p.PublicKey]; !ok {
				lastResolved[p.PublicKey] = time.Now()
			}
		}
		select {
		case <-t.stop:
			return
		case <-tick.C:
			due = t.silentPeers(peers, lastResolved)
		}
		for _, p := range due {
			lastResolved[p.PublicKey] = time.Now()
		}
		t.updateEndpoints(ctx, due, current)
	}
}

// updateEndpoints resolves the endpoints of peers again and moves each
// whose address differs from current.
func (t *Tunnel) updateEndpoints(ctx context.Context, peers []importer.Peer, current map[importer.Key]netip.AddrPort) {
	mark := firewall.ResolverMark
	if m := t.FwMark(); m != 0 {
		mark = m
	}
	for _, p := range peers {
		ep, err := resolve(ctx, p.Endpoint, mark)
		if err != nil {
			t.log.Warn("resolve endpoint again", "peer", p.PublicKey.String(), "err", err)
			continue
		}
		if ep == current[p.PublicKey] {
			continue
		}
		uapi := fmt.Sprintf("public_key=%s\nupdate_only=true\nendpoint=%s\n", p.PublicKey.Hex(), ep)
		if err := t.dev.IpcSet(uapi); err != nil {
			t.log.Warn("update endpoint", "peer", p.PublicKey.String(), "err", err)
			continue
		}
		t.log.Info("endpoint moved", "peer", p.PublicKey.String(), "host", p.Endpoint.Host, "from", current[p.PublicKey], "to", ep)
		t.resolvedTo(p.PublicKey, ep)
	}
}

// silentPeers are the peers with no handshake in reresolveAfter that were
// not resolved in that time either.
func (t *Tunnel) silentPeers(peers []importer.Peer, lastResolved map[importer.Key]time.Time) []importer.Peer {
	st, err := t.Stats()
	if err != nil {
		return nil
	}
	handshakes := map[importer.Key]time.Time{}
	for _, ps := range st.Peers {
		handshakes[ps.PublicKey] = ps.LatestHandshake
	}
	var due []importer.Peer
	for _, p := range peers {
		if time.Since(handshakes[p.PublicKey]) > reresolveAfter && time.Since(lastResolved[p.PublicKey]) > reresolveAfter {
			due = append(due, p)
		}
	}
	return due
}

// setHostPeers is the peers whose endpoints are host names, with where they
// resolved to, for reresolve; it starts that worker for the first such peer.
// Close must not have begun.
func (t *Tunnel) setHostPeers(peers []importer.Peer, endpoints map[importer.Key]netip.AddrPort) {
	t.resolveMu.Lock()
	defer t.resolveMu.Unlock()
	t.hosts = peersWithHostnames(peers)
	t.resolved = maps.Clone(endpoints)
	if len(t.hosts) > 0 && !t.reresolving {
		t.reresolving = true
		t.workers.Add(1)
		go t.reresolve()
	}
}

func (t *Tunnel) hostPeers() ([]importer.Peer, map[importer.Key]netip.AddrPort) {
	t.resolveMu.Lock()
	defer t.resolveMu.Unlock()
	return t.hosts, maps.Clone(t.resolved)
}

func (t *Tunnel) resolvedTo(peer importer.Key, ep netip.AddrPort) {
	t.resolveMu.Lock()
	defer t.resolveMu.Unlock()
	t.resolved[peer] = ep
}
