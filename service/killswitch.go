package service

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"sync"
	"time"

	"github.com/wgtray/wgtray/platform/firewall"
	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/service/api"
)

// enforcer enforces a kill-switch policy: firewall.Firewall.
type enforcer interface {
	Apply(firewall.FirewallPolicy) error
	Active() (bool, error)
}

// killSwitch holds the persisted settings and the tunnels' view, and one
// goroutine (run) that applies the policy made of them. Every change is a
// snapshot tagged with a generation; the goroutine applies the newest
// (older ones it has not reached are skipped: latest wins), and a caller
// that needs its change in force waits for its generation. The firewall's
// transactions (nftables, pf, WFP) never run under a lock that readers
// take, so state, list and status answer while they run.
type killSwitch struct {
	log    *slog.Logger
	store  *store
	fw     enforcer
	events *broker

	// setMu serializes changes of the settings, whose file is written
	// outside mu.
	setMu sync.Mutex

	mu       sync.Mutex
	settings settings
	tunnels  []firewall.FirewallTunnel
	// trusted is the way out of the trusted network while a full tunnel
	// is paused there (auto then lets plain traffic out only that way).
	trusted  *firewall.TrustedWay
	want     uint64 // generation of the newest snapshot
	done     uint64 // generation the firewall was last brought to
	announce bool   // publish the state after the next apply, even if unchanged
	applied  *firewall.FirewallPolicy
	active   bool
	// applying is whether the policy being applied now blocks.
	applying bool
	err      string
	closed   bool
	kick     chan struct{} // the goroutine has work; buffered 1
	progress chan struct{} // closed (and replaced) whenever done moves
	stopped  chan struct{} // closed when run returns
}

func newKillSwitch(log *slog.Logger, st *store, fw enforcer, events *broker, s settings) *killSwitch {
	k := &killSwitch{log: log, store: st, fw: fw, events: events, settings: s,
		kick: make(chan struct{}, 1), progress: make(chan struct{}), stopped: make(chan struct{})}
	go k.run()
	return k
}

// state is the kill switch as caller sees it.
func (k *killSwitch) state(caller ipc.Peer) api.KillSwitch {
	k.mu.Lock()
	defer k.mu.Unlock()
	return ksFor(caller, k.stateLocked())
}

// stateLocked is the state as the event stream carries it, for anyone.
func (k *killSwitch) stateLocked() api.KillSwitch {
	return api.KillSwitch{
		Mode: k.settings.KillSwitch, AllowLAN: k.settings.AllowLAN,
		Locked: k.settings.KillSwitchLocked, SetByAdmin: k.settings.KillSwitchByAdmin,
		Active: k.active, Error: k.err,
	}
}

// ksFor tells caller whether they may change the kill switch.
func ksFor(caller ipc.Peer, ks api.KillSwitch) api.KillSwitch {
	ks.Changeable = caller.Admin || !ks.AdminOnly()
	return ks
}

// set stores new settings and returns the state once they are in force
// (or ctx ended). An operator may not change what an administrator locked
// or a lockdown an administrator set, nor lock the setting.
func (k *killSwitch) set(ctx context.Context, caller ipc.Peer, req api.SetKillSwitch) (api.KillSwitch, error) {
	k.setMu.Lock()
	defer k.setMu.Unlock()
	k.mu.Lock()
	cur := k.settings
	now := k.stateLocked()
	k.mu.Unlock()
	s := settings{KillSwitch: req.Mode, AllowLAN: req.AllowLAN, KillSwitchLocked: cur.KillSwitchLocked, KillSwitchByAdmin: caller.Admin}
	if req.Locked != nil {
		s.KillSwitchLocked = *req.Locked
	}
	if !caller.Admin {
		if s.KillSwitch == cur.KillSwitch && s.AllowLAN == cur.AllowLAN && s.KillSwitchLocked == cur.KillSwitchLocked {
			return ksFor(caller, now), nil // nothing changes
		}
		switch {
		case now.Locked:
			return ksFor(caller, now), errorf(http.StatusForbidden, api.CodeKillSwitchLocked,
				"the kill-switch setting is locked by an administrator; only an administrator can change it")
		case now.AdminOnly():
			return ksFor(caller, now), errorf(http.StatusForbidden, api.CodeKillSwitchLocked,
				"the lockdown (kill switch always) was set by an administrator; only an administrator can lift or change it")
		case s.KillSwitchLocked:
			return ksFor(caller, now), errorf(http.StatusForbidden, api.CodeKillSwitchLocked,
				"only an administrator can lock the kill-switch setting")
		}
	}
	if err := k.store.saveSettings(s); err != nil {
		return ksFor(caller, now), fmt.Errorf("save the kill-switch settings: %w", err)
	}
	k.mu.Lock()
	k.settings = s
	k.announce = true
	gen := k.submitLocked()
	k.mu.Unlock()
	k.log.Info("kill switch set", "mode", string(s.KillSwitch), "allow_lan", s.AllowLAN, "locked", s.KillSwitchLocked, "by_admin", caller.Admin, "uid", caller.UID)
	k.wait(ctx, gen)
	return k.state(caller), nil
}

// reconcile hands over the tunnels' view (the manager's, taken under its
// lock so generations follow its changes) and returns its generation.
func (k *killSwitch) reconcile(tunnels []firewall.FirewallTunnel, trusted *firewall.TrustedWay) uint64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.tunnels, k.trusted = tunnels, trusted
	return k.submitLocked()
}

func (k *killSwitch) submitLocked() uint64 {
	k.want++
	select {
	case k.kick <- struct{}{}:
	default:
	}
	return k.want
}

// wait returns once generation gen or a newer one was applied (or its
// application failed, which state reports), when the kill switch is
// closed, or when ctx ends.
func (k *killSwitch) wait(ctx context.Context, gen uint64) {
	for {
		k.mu.Lock()
		if k.done >= gen {
			k.mu.Unlock()
			return
		}
		progress := k.progress
		k.mu.Unlock()
		select {
		case <-progress:
		case <-k.stopped:
			return
		case <-ctx.Done():
			return
		}
	}
}

// waitForTraffic is wait for a starting tunnel's first packet, with the
// generation that lets it through. When no rules are in force, none are
// being applied and the newest policy blocks nothing, no rule can refuse
// that packet: it returns at once instead of waiting for a transaction
// that changes nothing for it (the first handshake goes out that much
// sooner).
func (k *killSwitch) waitForTraffic(ctx context.Context, gen uint64) {
	k.mu.Lock()
	p := k.policyLocked()
	free := k.want == gen && !k.active && !k.applying && !p.Blocking()
	k.mu.Unlock()
	if !free {
		k.wait(ctx, gen)
	}
}

// waitFor is wait bounded by d.
func (k *killSwitch) waitFor(gen uint64, d time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	k.wait(ctx, gen)
}

// run applies snapshots until close; it applies the newest one left before
// it returns, so a change made just before shutdown is in force. It is the
// only caller of the firewall.
func (k *killSwitch) run() {
	defer close(k.stopped)
	for {
		k.mu.Lock()
		for k.want == k.done {
			if k.closed {
				k.mu.Unlock()
				return
			}
			k.mu.Unlock()
			<-k.kick
			k.mu.Lock()
		}
		gen, announce := k.want, k.announce
		k.announce = false
		p := k.policyLocked()
		same := k.applied != nil && reflect.DeepEqual(*k.applied, p)
		before := k.stateLocked()
		k.applying = !same && p.Blocking()
		k.mu.Unlock()

		var err, aerr error
		active := before.Active
		if !same || announce {
			err = k.fw.Apply(p)
			active, aerr = k.fw.Active()
		}

		k.mu.Lock()
		switch {
		case same && !announce:
		case err != nil:
			k.err = "applying the kill-switch rules failed: " + err.Error()
			k.applied = nil
			k.log.Error("kill switch not applied", "error", err.Error())
		default:
			k.err = ""
			k.applied = &p
		}
		if aerr == nil {
			k.active = active
		}
		k.applying = false
		k.done = gen
		close(k.progress)
		k.progress = make(chan struct{})
		if after := k.stateLocked(); announce || after != before {
			k.events.publish(api.Event{Type: api.EventKillSwitch, Time: time.Now(), KillSwitch: &after})
		}
		k.mu.Unlock()
	}
}

// close applies what is pending, then ends run.
func (k *killSwitch) close() {
	k.mu.Lock()
	k.closed = true
	k.mu.Unlock()
	select {
	case k.kick <- struct{}{}:
	default:
	}
	<-k.stopped
}

// follow calls refresh every interval while the kill switch is on, so
// endpoints that roamed or were resolved again stay allowed. It returns
// when stop is closed.
func (k *killSwitch) follow(refresh func(), interval time.Duration, stop <-chan struct{}) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			k.mu.Lock()
			off := k.settings.KillSwitch == api.KillSwitchOff
			k.mu.Unlock()
			if !off {
				refresh()
			}
		}
	}
}

// policyLocked is the policy of the settings and the tunnels' view. Must
// hold k.mu.
func (k *killSwitch) policyLocked() firewall.FirewallPolicy {
	p := firewall.FirewallPolicy{Mode: k.settings.KillSwitch, AllowLAN: k.settings.AllowLAN, Tunnels: k.tunnels}
	if p.Mode == api.KillSwitchAuto {
		p.Trusted = k.trusted
	}
	return p
}
