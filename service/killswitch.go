package service

import (
	"log/slog"
	"reflect"
	"sync"
	"time"

	"github.com/wgtray/wgtray/platform/firewall"
	"github.com/wgtray/wgtray/service/api"
)

// enforcer enforces a kill-switch policy: firewall.Firewall.
type enforcer interface {
	Apply(firewall.FirewallPolicy) error
	Active() (bool, error)
}

// killSwitch holds the persisted settings and applies the policy computed
// from them and the tunnels on every change. It remembers the last policy
// applied and skips identical ones, so frequent reconciles cost nothing.
type killSwitch struct {
	log    *slog.Logger
	store  *store
	fw     enforcer
	events *broker

	mu       sync.Mutex
	settings settings
	tunnels  []firewall.FirewallTunnel
	applied  *firewall.FirewallPolicy
	active   bool
	err      string
}

func newKillSwitch(log *slog.Logger, st *store, fw enforcer, events *broker, s settings) *killSwitch {
	return &killSwitch{log: log, store: st, fw: fw, events: events, settings: s}
}

func (k *killSwitch) state() api.KillSwitch {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.stateLocked()
}

func (k *killSwitch) stateLocked() api.KillSwitch {
	return api.KillSwitch{Mode: k.settings.KillSwitch, AllowLAN: k.settings.AllowLAN, Active: k.active, Error: k.err}
}

// set stores new settings and applies them with the current tunnels.
func (k *killSwitch) set(mode api.KillSwitchMode, allowLAN bool) (api.KillSwitch, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	s := settings{KillSwitch: mode, AllowLAN: allowLAN}
	if err := k.store.saveSettings(s); err != nil {
		return k.stateLocked(), err
	}
	k.settings = s
	k.log.Info("kill switch set", "mode", string(mode), "allow_lan", allowLAN)
	k.applyLocked(true)
	return k.stateLocked(), nil
}

// reconcile applies the policy for the given tunnels (the manager's view).
func (k *killSwitch) reconcile(tunnels []firewall.FirewallTunnel) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.tunnels = tunnels
	k.applyLocked(false)
}

func (k *killSwitch) applyLocked(announce bool) {
	p := firewall.FirewallPolicy{
		Mode:     k.settings.KillSwitch,
		AllowLAN: k.settings.AllowLAN,
		Tunnels:  k.tunnels,
	}
	if k.applied != nil && reflect.DeepEqual(*k.applied, p) && !announce {
		return
	}
	before := k.stateLocked()
	if err := k.fw.Apply(p); err != nil {
		k.err = "applying the kill-switch rules failed: " + err.Error()
		k.applied = nil
		k.log.Error("kill switch not applied", "error", err.Error())
	} else {
		k.err = ""
		k.applied = &p
	}
	if active, err := k.fw.Active(); err == nil {
		k.active = active
	}
	if after := k.stateLocked(); announce || after != before {
		k.events.publish(api.Event{Type: api.EventKillSwitch, Time: time.Now(), KillSwitch: &after})
	}
}

// follow re-applies the policy every interval while something is up, so
// endpoints that roamed or were resolved again stay allowed. It returns
// when stop is closed.
func (k *killSwitch) follow(reconcile func(), interval time.Duration, stop <-chan struct{}) {
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
				reconcile()
			}
		}
	}
}
