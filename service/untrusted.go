package service

import (
	"fmt"
	"slices"
	"sync"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/platform/firewall"
	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/platform/netid"
	"github.com/wgtray/wgtray/service/api"
)

// watchNetwork follows the network the laptop is on, until stop is closed:
// one watcher for the whole service.
func (m *manager) watchNetwork(stop <-chan struct{}) {
	ids, err := netid.Watch(stop)
	if err != nil {
		// Without a watch the network stays unknown, which trusts nothing.
		m.log.Error("cannot follow the network; no network counts as trusted", "error", err.Error())
		return
	}
	for id := range ids {
		if m.trusted.setCurrent(id) {
			m.log.Info("network changed", "network", id.String())
			m.applyNetworkRule()
		}
	}
	select {
	case <-stop:
	default:
		m.log.Error("the network watch ended; no network counts as trusted until the service restarts")
		m.trusted.setCurrent(netid.Identity{})
		m.applyNetworkRule()
	}
}

// setNetworks changes on which networks a tunnel runs, then applies the
// rule to it. lookup refuses anyone but its owner or an admin.
func (m *manager) setNetworks(caller ipc.Peer, name string, mode api.NetworksMode) (api.Tunnel, error) {
	t, err := m.lookup(caller, name)
	if err != nil {
		return api.Tunnel{}, err
	}
	name = t.rec.Name
	if err := m.lockCurrent(name, t); err != nil {
		return api.Tunnel{}, err
	}
	m.mu.Lock()
	r := t.rec
	m.mu.Unlock()
	r.Networks = mode
	if err := m.store.saveTunnel(r); err != nil {
		t.op.Unlock()
		return api.Tunnel{}, fmt.Errorf("store tunnel %s: %w", name, err)
	}
	m.mu.Lock()
	t.rec = r
	m.log.Info("tunnel networks set", "tunnel", name, "networks", string(mode), "by", caller.UID)
	m.publish(t)
	m.mu.Unlock()
	t.op.Unlock()
	m.ruleFor(t)
	m.mu.Lock()
	defer m.mu.Unlock()
	return t.view(caller), nil
}

// pauseReason is why a tunnel is held down on the trusted network named.
func pauseReason(network string) string { return "paused: trusted network " + network }

// applyNetworkRule holds down every tunnel set to networks=untrusted
// while the laptop is on a trusted network, and brings them up again when
// it leaves. Tunnels are handled each on its own goroutine; it returns
// when all are done.
func (m *manager) applyNetworkRule() {
	m.ruleMu.Lock()
	defer m.ruleMu.Unlock()
	m.mu.Lock()
	var ts []*managed
	for _, t := range m.tunnels {
		if !t.creating && (t.rec.networksMode() == api.NetworksUntrusted || t.paused != "") {
			ts = append(ts, t)
		}
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.ruleFor(t)
		}()
	}
	wg.Wait()
	// The way out may have changed with no tunnel changing: from one
	// trusted network to another that the same entry matches.
	m.reconcileKillSwitch()
}

// ruleFor applies the networks rule to one tunnel: paused (down, keys
// kept) while it is meant up, runs only on untrusted networks and the
// laptop is on a trusted one, unless the user brought it up by hand on
// this very network; up again once none of that holds. Doubt favours the
// VPN: an unknown network is untrusted.
func (m *manager) ruleFor(t *managed) {
	t.op.Lock()
	defer t.op.Unlock()
	id, entry, trusted := m.trusted.now()
	m.mu.Lock()
	if m.closing || m.tunnels[nameKey(t.rec.Name)] != t {
		m.mu.Unlock()
		return
	}
	name := t.rec.Name
	if t.manualOn != nil && *t.manualOn != id {
		t.manualOn = nil
	}
	hold := trusted && t.rec.WantUp && t.rec.networksMode() == api.NetworksUntrusted && t.manualOn == nil
	switch {
	case hold && t.paused == pauseReason(entry.Name):
		m.mu.Unlock()
	case hold:
		t.paused = pauseReason(entry.Name)
		m.log.Info("tunnel paused on a trusted network", "tunnel", name, "network", entry.Name)
		m.pauseLocked(t)
	case t.paused != "":
		t.paused = ""
		if t.full == nil || t.state != api.StateDown {
			// Waiting for its keys (or failed): it is meant up again,
			// which the kill switch follows.
			m.publish(t)
			gen := m.reconcileLocked()
			m.mu.Unlock()
			m.ks.waitFor(gen, applyWait)
			return
		}
		m.log.Info("tunnel resumed: the network is not trusted", "tunnel", name, "network", id.String())
		// The held keys with the config as it is now (it may have been
		// edited meanwhile).
		_, secrets := t.full.Redact()
		rp := t.rosenpassSecret
		t.rosenpassSecret = nil
		m.forgetKeysLocked(t)
		full, err := t.cfg.WithSecrets(secrets)
		if err == nil && secrets.PrivateKey.Public().String() != t.rec.PublicKey {
			err = fmt.Errorf("its key pair was changed while it was paused")
		}
		wipeSecrets(&secrets)
		if err == nil {
			if err = m.overlapLocked(name, t.cfg); err != nil {
				wipeConfig(full)
			}
		}
		if err != nil {
			clear(rp)
			t.state, t.reason = api.StateFailed, fmt.Sprintf("cannot come back up after leaving a trusted network: %v; bring it up again", err)
			m.publish(t)
			gen := m.reconcileLocked()
			m.mu.Unlock()
			m.log.Error("tunnel cannot come back up", "tunnel", name, "error", err.Error())
			m.ks.waitFor(gen, applyWait)
			return
		}
		_, err = m.startLocked(bootCaller, t, full, rp)
		clear(rp)
		if err != nil {
			m.log.Error("tunnel did not come back up after leaving a trusted network", "tunnel", name, "error", err.Error())
		}
	default:
		m.mu.Unlock()
	}
}

// pauseLocked takes a running tunnel down but keeps its keys, so that it
// comes up again when the laptop leaves the trusted network; a tunnel that
// is not running only leaves the kill switch's policy. Enter with t.op and
// m.mu held; it returns with m.mu released.
func (m *manager) pauseLocked(t *managed) {
	name, run := t.rec.Name, t.run
	if run != nil {
		t.state = api.StateStopping
		m.publish(t)
		m.mu.Unlock()
		err := run.Close()
		m.mu.Lock()
		t.run, t.endpoints, t.health = nil, nil, api.Health{}
		releaseMemory()
		t.state, t.reason = api.StateDown, ""
		if err != nil {
			m.log.Error("tunnel did not go down cleanly", "tunnel", name, "error", err.Error())
		}
	}
	m.publish(t)
	gen := m.reconcileLocked()
	m.mu.Unlock()
	m.ks.waitFor(gen, applyWait)
}

// holdPausedLocked keeps the keys of a tunnel brought up by the client or
// the service on its own while the laptop is on the trusted network named:
// the tunnel stays down, meant up, until the laptop leaves. Enter with
// t.op and m.mu held; it returns with m.mu released.
func (m *manager) holdPausedLocked(t *managed, caller ipc.Peer, full *importer.Config, rosenpassSecret []byte, network string) api.Tunnel {
	t.full, t.upCfg, t.upPub = full, t.cfg, t.rec.PublicKey
	t.rosenpassSecret = slices.Clone(rosenpassSecret)
	m.holdKeysLocked(full)
	t.state, t.reason, t.needsKeys, t.paused = api.StateDown, "", false, pauseReason(network)
	t.rec.WantUp = true
	m.log.Info("tunnel paused on a trusted network", "tunnel", t.rec.Name, "network", network)
	m.publish(t)
	gen := m.reconcileLocked()
	view, rec := t.view(caller), t.rec
	m.mu.Unlock()
	m.saveWantUp(rec)
	m.ks.waitFor(gen, applyWait)
	return view
}

// stopPausedLocked is stop for a tunnel that is down: a paused one
// forgets its keys and is no longer meant up. Enter with t.op and m.mu
// held; it returns with m.mu released.
func (m *manager) stopPausedLocked(t *managed, persist bool) {
	if t.full == nil && t.paused == "" {
		m.mu.Unlock()
		return
	}
	m.forgetKeysLocked(t)
	if m.closing {
		m.mu.Unlock()
		return
	}
	t.rec.WantUp, t.needsKeys, t.paused, t.manualOn = false, false, "", nil
	rec := t.rec
	m.log.Info("tunnel down", "tunnel", rec.Name)
	m.publish(t)
	gen := m.reconcileLocked()
	m.mu.Unlock()
	if persist {
		m.saveWantUp(rec)
	}
	m.ks.waitFor(gen, applyWait)
}

// reconcileLocked hands the kill switch the tunnels' policy and, while a
// full tunnel is paused on the trusted network, that network's way out.
// Must hold m.mu.
func (m *manager) reconcileLocked() uint64 {
	return m.ks.reconcile(m.policyLocked(), m.trustedWayLocked())
}

// trustedWayLocked is the way out of the current network when it is
// trusted and a tunnel routing a default route is paused on it; nil
// otherwise. Must hold m.mu.
func (m *manager) trustedWayLocked() *firewall.TrustedWay {
	paused := false
	for _, t := range m.tunnels {
		if t.paused != "" && t.rec.WantUp && defaultRoutes(t.activeCfg()) != 0 {
			paused = true
			break
		}
	}
	if !paused {
		return nil
	}
	id, _, trusted := m.trusted.now()
	if !trusted || id.Interface == "" || !id.Gateway.IsValid() {
		return nil
	}
	return &firewall.TrustedWay{Interface: id.Interface, Gateway: id.Gateway, GatewayMAC: id.GatewayMAC, Router6: id.Router6}
}
