package firewall

import (
	"log/slog"
	"net"
	"slices"
	"sync"

	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// firewallSys is the kill switch on Windows: the filters of wfpFilters in a
// WFP sublayer of wgtray's own, added through a session that is not
// dynamic and marked persistent, so that they stay in force when the service
// dies and come back at boot before the service starts (fail-closed); the
// service reconciles them when it starts. Each change replaces all of them in
// one transaction, so there is never a moment without rules while blocking.
//
// WFP matches interfaces by LUID, which a tunnel's interface gets only once
// it exists, and a new one each time it is made again, while a policy names
// interfaces, which may not exist yet. The filters for a missing interface
// are left out, and while the policy names interfaces a watcher applies it
// again whenever an interface appears that is missing from the filters or
// has another LUID than they hold.
type firewallSys struct {
	log *slog.Logger // gets the failures of applying again for a new interface
}

func newFirewallSys(log *slog.Logger) firewallSys { return firewallSys{log: log} }

// wfpApplied is the policy in force and the LUIDs its filters hold, by
// interface name (0: missing).
var wfpApplied struct {
	mu     sync.Mutex // held while filters change
	policy FirewallPolicy
	luids  map[string]uint64
	watch  *winipcfg.InterfaceChangeCallback
	log    *slog.Logger
}

func (f firewallSys) apply(p FirewallPolicy) error {
	wfpApplied.mu.Lock()
	defer wfpApplied.mu.Unlock()
	wfpApplied.log = f.log
	luids, err := applyWFP(p)
	if err != nil {
		return err
	}
	return watchInterfaces(p, luids)
}

func (firewallSys) active() (bool, error) {
	e, err := openWFP()
	if err != nil {
		return false, err
	}
	defer e.close()
	return e.hasFilters()
}

// currentLUID is the LUID of the interface, 0 if it does not exist.
func currentLUID(name string) uint64 {
	iface, err := net.InterfaceByName(name)
	if err != nil {
		return 0
	}
	luid, err := winipcfg.LUIDFromIndex(uint32(iface.Index))
	if err != nil {
		return 0
	}
	return uint64(luid)
}

// applyWFP replaces the filters with the policy's and returns the LUIDs it
// used; it leaves out the filters of interfaces that do not exist.
func applyWFP(p FirewallPolicy) (map[string]uint64, error) {
	filters := p.wfpFilters()
	e, err := openWFP()
	if err != nil {
		return nil, err
	}
	defer e.close()
	luids := map[string]uint64{}
	values := &wfpValues{luid: func(name string) (uint64, bool) {
		luid, seen := luids[name]
		if !seen {
			luid = currentLUID(name)
			luids[name] = luid
		}
		return luid, luid != 0
	}}
	if slices.ContainsFunc(filters, func(f wfpFilter) bool {
		return slices.ContainsFunc(f.Conditions, func(c wfpCondition) bool { return c.Field == wfpServiceApp })
	}) {
		app, free, err := appID()
		if err != nil {
			return nil, err
		}
		defer free()
		values.app = app
		if values.user, err = serviceUser(); err != nil {
			return nil, err
		}
	}
	err = e.transaction(func() error {
		if err := e.deleteFilters(); err != nil {
			return err
		}
		if filters == nil {
			return e.deleteSublayer()
		}
		if err := e.addSublayer(); err != nil {
			return err
		}
		n := 0
		for i, f := range filters {
			added, err := e.addFilter(n, f, uint64(len(filters)-i), values)
			if err != nil {
				return err
			}
			if added {
				n++
			}
		}
		return nil
	})
	return luids, err
}

// watchInterfaces keeps the watcher while the applied filters name
// interfaces, and drops it when they name none. wfpApplied.mu is held.
func watchInterfaces(p FirewallPolicy, luids map[string]uint64) error {
	wfpApplied.policy, wfpApplied.luids = p, luids
	if len(luids) == 0 {
		if w := wfpApplied.watch; w != nil {
			wfpApplied.watch = nil
			// Unregister waits for callbacks under way; they only start
			// goroutines, so it does not wait for this lock.
			return w.Unregister()
		}
		return nil
	}
	if wfpApplied.watch != nil {
		return nil
	}
	w, err := winipcfg.RegisterInterfaceChangeCallback(func(t winipcfg.MibNotificationType, _ *winipcfg.MibIPInterfaceRow) {
		if t == winipcfg.MibAddInstance {
			go reapplyForInterfaces()
		}
	})
	if err != nil {
		return err
	}
	wfpApplied.watch = w
	return nil
}

// reapplyForInterfaces applies the policy again when an interface it names
// appeared or was made again since.
func reapplyForInterfaces() {
	wfpApplied.mu.Lock()
	defer wfpApplied.mu.Unlock()
	moved := false
	for name, luid := range wfpApplied.luids {
		moved = moved || currentLUID(name) != luid
	}
	if !moved {
		return
	}
	p := wfpApplied.policy
	luids, err := applyWFP(p)
	if err == nil {
		err = watchInterfaces(p, luids)
	}
	if err != nil {
		wfpApplied.log.Error("kill switch: apply the rules to a new tunnel interface", "err", err)
	}
}
