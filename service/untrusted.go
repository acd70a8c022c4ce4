package service

import (
	"github.com/wgtray/wgtray/platform/netid"
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
		}
	}
}
