package tray

import (
	"testing"
	"time"

	"github.com/wgtray/wgtray/assets"
	"github.com/wgtray/wgtray/service/api"
)

func TestSummaryIconAndTooltipTellTheOverallState(t *testing.T) {
	now := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	shake := func(ago time.Duration) []api.PeerStatus {
		at := now.Add(-ago)
		return []api.PeerStatus{{LatestHandshake: &at}, {}}
	}
	always := api.KillSwitch{Mode: api.KillSwitchAlways, Active: true}
	for _, tc := range []struct {
		name      string
		status    api.Status
		connected bool
		icon      assets.State
		tooltip   string
		recheck   time.Duration
	}{
		{"service gone", api.Status{}, false, assets.Error, textNoService, 0},
		{"nothing up", api.Status{Tunnels: []api.TunnelStatus{{Name: "office", State: api.StateDown}}}, true, assets.Idle, "wgtray: no tunnel is up", 0},
		{"connecting", api.Status{Tunnels: []api.TunnelStatus{{Name: "office", State: api.StateStarting}}}, true, assets.Connecting, "office: connecting…", 0},
		{"fresh handshake", api.Status{Tunnels: []api.TunnelStatus{{Name: "office", State: api.StateUp, Peers: shake(12 * time.Second)}}}, true,
			assets.Up, "office: connected, handshake 12 s ago", StaleAfter - 12*time.Second},
		{"stale handshake", api.Status{Tunnels: []api.TunnelStatus{{Name: "office", State: api.StateUp, Peers: shake(4 * time.Minute)}}}, true,
			assets.Stale, "office: connected, no handshake for 4 min", 0},
		{"never a handshake", api.Status{Tunnels: []api.TunnelStatus{{Name: "home", State: api.StateUp}}}, true,
			assets.Stale, "home: connected, no handshake for 4 min", 0},
		{"just up, waiting for the handshake", api.Status{Tunnels: []api.TunnelStatus{{Name: "office", State: api.StateUp}}}, true,
			assets.Connecting, "office: connected, waiting for the first handshake", StaleAfter - 5*time.Second},
		{"failed wins over up", api.Status{Tunnels: []api.TunnelStatus{
			{Name: "home", State: api.StateUp, Peers: shake(time.Second)},
			{Name: "office", State: api.StateFailed, Error: "no route to endpoint"}}}, true,
			assets.Error, "home: connected, handshake 1 s ago\noffice: failed: no route to endpoint", StaleAfter - time.Second},
		{"paused on a trusted network is not up, not connecting, not failed", api.Status{Tunnels: []api.TunnelStatus{
			{Name: "office", State: api.StateDown, Networks: api.NetworksUntrusted, Paused: "paused: trusted network home"}}}, true,
			assets.Idle, "office: paused, trusted network home", 0},
		{"paused beside a tunnel up", api.Status{Tunnels: []api.TunnelStatus{
			{Name: "home", State: api.StateUp, Peers: shake(time.Second)},
			{Name: "office", State: api.StateDown, Paused: "paused: trusted network home"}}}, true,
			assets.Up, "home: connected, handshake 1 s ago\noffice: paused, trusted network home", StaleAfter - time.Second},
		{"paused in lockdown", api.Status{KillSwitch: always, Tunnels: []api.TunnelStatus{
			{Name: "office", State: api.StateDown, Paused: "paused: trusted network home"}}}, true,
			assets.Lockdown, "office: paused, trusted network home\nBlocking all traffic (kill switch: always)", 0},
		{"lockdown", api.Status{KillSwitch: always}, true, assets.Lockdown, "Blocking all traffic (kill switch: always)", 0},
		{"lockdown with a tunnel up is up", api.Status{KillSwitch: always, Tunnels: []api.TunnelStatus{{Name: "office", State: api.StateUp, Peers: shake(time.Minute)}}}, true,
			assets.Up, "office: connected, handshake 1 min ago", 2 * time.Minute},
		{"kill switch failed", api.Status{KillSwitch: api.KillSwitch{Mode: api.KillSwitchAuto, Error: "nftables: permission denied"}}, true,
			assets.Error, "Kill switch: nftables: permission denied", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			upSince := map[string]time.Time{"office": now.Add(-5 * time.Second), "home": now.Add(-4 * time.Minute)}
			got := Summarize(tc.status, tc.connected, upSince, now)
			if got.Icon != tc.icon || got.Tooltip != tc.tooltip || got.Recheck != tc.recheck {
				t.Fatalf("got icon %d, %q, recheck %v; want icon %d, %q, recheck %v", got.Icon, got.Tooltip, got.Recheck, tc.icon, tc.tooltip, tc.recheck)
			}
		})
	}
}
