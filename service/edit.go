package service

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"time"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/tunnel"
)

// applyLocked brings the edit just stored in t.cfg to the running tunnel:
// peer settings through the device's UAPI, interface settings and routes
// by bringing it down and up again. keys are the new config's keys, or nil
// for those the tunnel runs with. Enter with t.op and m.mu held; it
// returns with m.mu released.
func (m *manager) applyLocked(caller ipc.Peer, t *managed, keys *importer.Secrets) (api.UpdateResult, error) {
	name := t.rec.Name
	if t.state != api.StateUp || t.run == nil || t.full == nil {
		m.publish(t)
		defer m.mu.Unlock()
		return api.UpdateResult{Tunnel: t.view(caller), Applied: api.AppliedSaved}, nil
	}
	_, secrets := t.full.Redact()
	if keys != nil {
		secrets = *keys
	}
	full, err := t.cfg.WithSecrets(secrets)
	if keys == nil {
		wipeSecrets(&secrets)
	}
	if err != nil || full.Interface.PrivateKey.Public().String() != t.rec.PublicKey {
		// Without the new private key the edit waits for the next up.
		m.log.Warn("the edit takes effect at the next up: its keys were not sent", "tunnel", name)
		m.publish(t)
		defer m.mu.Unlock()
		return api.UpdateResult{Tunnel: t.view(caller), Applied: api.AppliedSaved}, nil
	}
	switch editKind(t.full, full) {
	case api.AppliedUnchanged:
		wipeConfig(full)
		t.upCfg, t.upPub = t.cfg, t.rec.PublicKey
		m.publish(t)
		defer m.mu.Unlock()
		return api.UpdateResult{Tunnel: t.view(caller), Applied: api.AppliedUnchanged}, nil
	case api.AppliedLive:
		if err := m.overlapLocked(name, t.cfg); err != nil {
			m.mu.Unlock()
			wipeConfig(full)
			return api.UpdateResult{}, err
		}
		if res, ok := m.applyPeersLocked(caller, t, full); ok {
			return res, nil
		}
		m.mu.Lock()
	}
	return m.reconnectLocked(caller, t, full)
}

// applyPeersLocked sets the peers of full on the running device. The kill
// switch lets the new endpoints through before the device may send to
// them. It returns with m.mu released; false when the device refused, and
// the caller reconnects.
func (m *manager) applyPeersLocked(caller ipc.Peer, t *managed, full *importer.Config) (api.UpdateResult, bool) {
	name, run, old := t.rec.Name, t.run, t.full
	m.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	swapped := false
	err := run.SetPeers(ctx, full, func(endpoints []netip.AddrPort) {
		m.mu.Lock()
		t.full, swapped = full, true
		m.holdKeysLocked(full)
		for _, e := range endpoints {
			if !slices.Contains(t.endpoints, e) {
				t.endpoints = append(t.endpoints, e)
			}
		}
		gen := m.reconcileLocked()
		m.mu.Unlock()
		m.ks.wait(ctx, gen)
	})
	m.mu.Lock()
	if swapped {
		m.dropKeysLocked(old)
	}
	if err != nil {
		if errors.Is(err, tunnel.ErrNeedsRestart) {
			m.log.Info("reconnecting: the routes change only with a new interface here", "tunnel", name)
		} else {
			m.log.Warn("cannot change the peers in place; reconnecting", "tunnel", name, "error", err.Error())
		}
		if !swapped {
			t.full = full
			m.holdKeysLocked(full)
			m.dropKeysLocked(old)
		}
		m.mu.Unlock()
		return api.UpdateResult{}, false
	}
	t.upCfg, t.upPub = t.cfg, t.rec.PublicKey
	m.log.Info("edit applied to the running tunnel", "tunnel", name, "applied", string(api.AppliedLive))
	m.publish(t)
	m.publishApplied(t, api.AppliedLive)
	gen := m.reconcileLocked()
	view := t.view(caller)
	m.mu.Unlock()
	m.ks.waitFor(gen, applyWait)
	return api.UpdateResult{Tunnel: view, Applied: api.AppliedLive}, true
}

// reconnectLocked brings t down and up again with full. The tunnel stays
// meant to be up throughout, so the kill switch keeps blocking. Enter with
// m.mu held; it returns with m.mu released.
func (m *manager) reconnectLocked(caller ipc.Peer, t *managed, full *importer.Config) (api.UpdateResult, error) {
	name := t.rec.Name
	if err := m.overlapLocked(name, t.cfg); err != nil {
		m.mu.Unlock()
		wipeConfig(full)
		return api.UpdateResult{}, err
	}
	run := t.run
	t.run, t.state = nil, api.StateStarting
	rosenpassSecret := slices.Clone(t.rosenpassSecret)
	defer clear(rosenpassSecret)
	if t.full != full {
		m.forgetKeysLocked(t)
	} else {
		// full stays for the start, which holds its keys again.
		m.unholdKeysLocked(full)
		t.full, t.upCfg, t.upPub, t.endpoints = nil, nil, "", nil
	}
	m.log.Info("reconnecting to apply the edit", "tunnel", name)
	m.publish(t)
	m.mu.Unlock()
	start := time.Now()
	if err := run.Close(); err != nil {
		m.log.Error("the old interface did not go down cleanly", "tunnel", name, "error", err.Error())
	}
	m.mu.Lock()
	view, err := m.startLocked(caller, t, full, rosenpassSecret)
	if err != nil {
		return api.UpdateResult{}, err
	}
	m.mu.Lock()
	m.log.Info("edit applied to the running tunnel", "tunnel", name, "applied", string(api.AppliedReconnected), "took", time.Since(start).Round(time.Millisecond).String())
	m.publishApplied(t, api.AppliedReconnected)
	m.mu.Unlock()
	return api.UpdateResult{Tunnel: view, Applied: api.AppliedReconnected}, nil
}

// publishApplied tells the event stream how an edit reached t. Must hold
// m.mu.
func (m *manager) publishApplied(t *managed, how api.Applied) {
	v := t.view(ipc.Peer{Admin: true})
	v.Mine = false
	m.events.publish(api.Event{Type: api.EventApplied, Time: time.Now(), Tunnel: &v, Applied: how})
}

// holdKeysLocked keeps the log from ever showing full's keys.
func (m *manager) holdKeysLocked(full *importer.Config) {
	m.ring.addSecret(full.Interface.PrivateKey)
	for _, p := range full.Peers {
		if !p.PresharedKey.IsZero() {
			m.ring.addSecret(p.PresharedKey)
		}
	}
}

func (m *manager) unholdKeysLocked(full *importer.Config) {
	m.ring.removeSecret(full.Interface.PrivateKey)
	for _, p := range full.Peers {
		if !p.PresharedKey.IsZero() {
			m.ring.removeSecret(p.PresharedKey)
		}
	}
}

// dropKeysLocked forgets the keys of a config no longer in use and wipes
// them.
func (m *manager) dropKeysLocked(full *importer.Config) {
	m.unholdKeysLocked(full)
	wipeConfig(full)
}

// editKind says how a running tunnel takes the change from old to new:
// interface settings and a default route that comes or goes need the
// interface made again; peer settings, with the routes of their allowed
// IPs, go through UAPI (where routes cannot change in place, SetPeers says
// so and the tunnel reconnects after all).
func editKind(old, new *importer.Config) api.Applied {
	oi, ni := &old.Interface, &new.Interface
	if oi.PrivateKey != ni.PrivateKey || oi.ListenPort != ni.ListenPort || oi.FwMark != ni.FwMark ||
		oi.MTU != ni.MTU || oi.Table != ni.Table ||
		!slices.Equal(oi.Addresses, ni.Addresses) || !slices.Equal(oi.DNS, ni.DNS) || !slices.Equal(oi.DNSSearch, ni.DNSSearch) ||
		defaultRoutes(old) != defaultRoutes(new) {
		return api.AppliedReconnected
	}
	if !slices.EqualFunc(old.Peers, new.Peers, func(a, b importer.Peer) bool {
		return a.PublicKey == b.PublicKey && a.PresharedKey == b.PresharedKey && a.Endpoint == b.Endpoint &&
			a.PersistentKeepalive == b.PersistentKeepalive && slices.Equal(a.AllowedIPs, b.AllowedIPs)
	}) {
		return api.AppliedLive
	}
	return api.AppliedUnchanged
}

// defaultRoutes says which families a config routes everything of into
// the tunnel (1 for IPv4, 2 for IPv6): that takes policy rules, DNS and the
// kill switch made again, so a change of it reconnects.
func defaultRoutes(cfg *importer.Config) int {
	families := 0
	for _, p := range cfg.Peers {
		for _, a := range p.AllowedIPs {
			switch {
			case a.Bits() != 0:
			case a.Addr().Is4():
				families |= 1
			default:
				families |= 2
			}
		}
	}
	return families
}
