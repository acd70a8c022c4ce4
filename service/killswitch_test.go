package service

import (
	"net/netip"
	"testing"

	"github.com/wgtray/wgtray/platform/firewall"
	"github.com/wgtray/wgtray/service/api"
)

// TestKillSwitchWithAllowLANKeepsASplitTunnelsResolverOnTheTunnel: the
// resolver of a split tunnel (10.9.0.1: inside its AllowedIPs 10.9.0.0/24,
// and in a LAN range) is reached only through the tunnel, even with allow
// LAN on, so that a route the LAN pushes for it (DHCP option 121) cannot
// take its queries out in plaintext. The manager hands the firewall the
// tunnel's AllowedIPs for that; platform/firewall's namespace test counts
// the packets.
func TestKillSwitchWithAllowLANKeepsASplitTunnelsResolverOnTheTunnel(t *testing.T) {
	h, c, ctx := startWithTunnel(t, "office")
	if _, err := c.SetKillSwitch(ctx, api.KillSwitchAlways, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Up(ctx, "office"); err != nil {
		t.Fatal(err)
	}
	resolver := netip.MustParseAddr("10.9.0.1")
	accepts := 0
	for _, r := range h.fw.last().Rules() {
		if r.Action != firewall.Accept || !r.Remote.Contains(resolver) || (r.RemotePort != 53 && r.RemotePort != 853) {
			continue
		}
		accepts++
		if r.Interface != "office" {
			t.Errorf("rule %q lets DNS to %s leave by %q, not only by the tunnel", r.Why, resolver, r.Interface)
		}
	}
	if accepts == 0 {
		t.Fatalf("no rule lets DNS reach the tunnel's resolver %s: %+v", resolver, h.fw.last())
	}
}
