package service

import (
	"context"
	"net/netip"
	"testing"

	"github.com/wgtray/wgtray/platform/netid"
	"github.com/wgtray/wgtray/service/api"
)

// A tunnel set to networks=untrusted is paused (down, keys held; the
// kill switch lets plain traffic out only through the trusted network's
// router) on a trusted network and comes back when the
// laptop leaves; down means down everywhere; a user's up on the trusted
// network holds until the network changes; an up the client makes by
// itself there only pauses the tunnel.
func TestUntrustedOnlyTunnelFollowsTheTrustedNetwork(t *testing.T) {
	h := startHarness(t, t.TempDir())
	if _, err := h.mgr.ks.set(context.Background(), admin, api.SetKillSwitch{Mode: api.KillSwitchAuto}); err != nil {
		t.Fatal(err)
	}
	home := netid.Identity{Interface: "eth0", Gateway: netip.MustParseAddr("192.168.1.1"), GatewayMAC: "02:00:00:00:00:0a"}
	cafe := netid.Identity{Interface: "eth0", Gateway: netip.MustParseAddr("10.0.0.1"), GatewayMAC: "02:00:00:00:00:0b"}
	move := func(id netid.Identity) {
		h.mgr.trusted.setCurrent(id)
		h.mgr.applyNetworkRule()
	}
	cfg := newConfig(t, "0.0.0.0/0")
	owner := operatorA
	if _, err := h.mgr.create(owner, api.CreateRequest{Name: "vpn", Config: cfg.String(), PublicKey: cfg.Interface.PrivateKey.Public().String()}); err != nil {
		t.Fatal(err)
	}
	if v, err := h.mgr.setSettings(owner, "vpn", api.SettingsRequest{Networks: api.NetworksUntrusted}, nil); err != nil || v.Networks != api.NetworksUntrusted {
		t.Fatalf("set networks: %+v, %v", v, err)
	}
	h.mgr.trusted.identify = func() (netid.Identity, error) { return home, nil }
	if _, err := h.mgr.trusted.add(owner, api.TrustRequest{Current: true, Name: "home"}); err != nil {
		t.Fatal(err)
	}
	want := func(step string, up bool, paused string) {
		t.Helper()
		v, err := h.mgr.get(owner, "vpn")
		if err != nil {
			t.Fatal(err)
		}
		if h.engine.running("vpn") != up || v.Paused != paused || (up && v.State != api.StateUp) || (!up && v.State != api.StateDown) {
			t.Errorf("%s: running %t, state %s, paused %q; want running %t, paused %q", step, h.engine.running("vpn"), v.State, v.Paused, up, paused)
		}
		h.mgr.mu.Lock()
		held := h.mgr.tunnels["vpn"].full != nil
		h.mgr.mu.Unlock()
		if held != (up || paused != "") {
			t.Errorf("%s: keys held %t", step, held)
		}
		// Paused, the kill switch lets plain traffic out only through the
		// trusted network's router.
		p := h.fw.last()
		if blocks := p.Blocking(); blocks != (up || paused != "") {
			t.Errorf("%s: the kill switch blocks: %t", step, blocks)
		}
		if way := p.Trusted; (way != nil) != (paused != "") || way != nil && (way.Gateway != home.Gateway || way.GatewayMAC != home.GatewayMAC || way.Interface != "eth0") {
			t.Errorf("%s: the kill switch's way out of the trusted network: %+v", step, way)
		}
	}
	ctx := context.Background()

	move(cafe)
	if _, err := h.mgr.upWithin(ctx, owner, "vpn", *secretsOf(cfg), true); err != nil {
		t.Fatal(err)
	}
	want("up on an untrusted network", true, "")
	move(home)
	want("moved to the trusted network", false, "paused: trusted network home")
	move(cafe)
	want("moved away again", true, "")
	move(netid.Identity{})
	want("an unknown network", true, "")
	move(home)
	want("back home", false, "paused: trusted network home")

	if _, err := h.mgr.down(owner, "vpn"); err != nil {
		t.Fatal(err)
	}
	want("down while paused", false, "")
	move(cafe)
	want("moved away after down", false, "")

	move(home)
	if _, err := h.mgr.upWithin(ctx, owner, "vpn", *secretsOf(cfg), true); err != nil {
		t.Fatal(err)
	}
	want("a user's up on the trusted network", true, "")
	h.mgr.applyNetworkRule()
	want("the rule again on the same network", true, "")
	move(cafe)
	move(home)
	want("back on the trusted network after a move", false, "paused: trusted network home")

	if _, err := h.mgr.down(owner, "vpn"); err != nil {
		t.Fatal(err)
	}
	if v, err := h.mgr.upWithin(ctx, owner, "vpn", *secretsOf(cfg), false); err != nil || v.Paused == "" {
		t.Fatalf("the client's restore on the trusted network: %+v, %v", v, err)
	}
	want("restored by the client on the trusted network", false, "paused: trusted network home")
	if _, err := h.mgr.setSettings(owner, "vpn", api.SettingsRequest{Networks: api.NetworksAny}, nil); err != nil {
		t.Fatal(err)
	}
	want("networks=any", true, "")
}
