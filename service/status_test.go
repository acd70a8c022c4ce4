package service

import (
	"net/netip"
	"testing"

	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/service/api"
)

// An edit sent without its keys takes effect at the next up: until then
// status shows the config the running tunnel has, beside its statistics,
// not the stored edit.
func TestStatusOfARunningTunnelShowsTheConfigItRunsWith(t *testing.T) {
	h, c, ctx := startWithTunnel(t, "home")
	if _, err := c.Up(ctx, "home"); err != nil {
		t.Fatal(err)
	}
	h.engine.mu.Lock()
	running := h.engine.started["home"].Peers[0].PublicKey.String()
	h.engine.mu.Unlock()
	edit := newConfig(t, "10.8.0.0/24")
	redacted, _ := edit.Redact()
	res, err := h.mgr.update(ipc.Peer{UID: "0", Admin: true}, "home",
		api.UpdateRequest{Config: redacted.String(), PublicKey: edit.Interface.PrivateKey.Public().String()}, nil)
	if err != nil || res.Applied != api.AppliedSaved {
		t.Fatalf("an edit without keys: %+v, %v; want it saved for the next up", res, err)
	}
	st, err := c.Status(ctx, "home")
	if err != nil || len(st.Tunnels) != 1 || len(st.Tunnels[0].Peers) != 1 {
		t.Fatalf("status: %+v, %v", st, err)
	}
	if p := st.Tunnels[0].Peers[0]; p.PublicKey != running || p.AllowedIPs[0] != netip.MustParsePrefix("10.9.0.0/24") {
		t.Errorf("status of the running tunnel shows peer %s %v, want the running peer %s with 10.9.0.0/24", p.PublicKey, p.AllowedIPs, running)
	}
}
