package app

import (
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/service/api"
)

// change changes a tunnel as the service would report it.
func (f *fakeService) change(name string, edit func(*api.Tunnel)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tunnels[name]
	edit(&t.Tunnel)
	f.broadcast(f.tunnelEvent(t))
}

// entries are the text entries of the topmost dialog, in order.
func (h *harness) entries() []*widget.Entry {
	var out []*widget.Entry
	walkVisible(h.app.Window().Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if e, ok := o.(*widget.Entry); ok {
			out = append(out, e)
		}
	})
	return out
}

func (h *harness) dialogSays(text string) bool {
	return strings.Contains(strings.Join(h.overlayTexts(), " "), text)
}

// Where a tunnel runs is a menu beside when it starts, changed through the
// service's settings; only its owner or an administrator (who alone see
// its owner) may change it, and others read why not.
func TestNetworksMenuSetsWhereATunnelRunsForItsOwnerOrAnAdministrator(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
	svc.add("shared", config(t, "10.2.0.2/32", "192.0.2.2:51820"), api.StateDown)
	svc.add("theirs", config(t, "10.3.0.2/32", "192.0.2.3:51820"), api.StateDown)
	svc.tunnels["shared"].Mine, svc.tunnels["shared"].Owner = false, &api.Owner{UID: "1001", Name: "anna"}
	svc.tunnels["theirs"].Tunnel = api.Tunnel{Name: "theirs", State: api.StateDown}
	h := newHarness(t, svc)
	h.ready()
	h.app.ui.list.Select(0)
	h.settle()
	d := h.app.ui.details
	if d.networks.Selected != "On any network" || d.networks.Disabled() || d.note.Visible() {
		t.Fatalf("own tunnel: menu %q (disabled %v), note %q", d.networks.Selected, d.networks.Disabled(), d.note.Text)
	}
	d.networks.SetSelected("Only on untrusted networks")
	h.waitFor("the setting", h.called("settings office start= networks=untrusted"))
	h.waitFor("the service's answer", func() bool { return h.app.tunnels["office"].Networks == api.NetworksUntrusted })
	if n := len(svc.Calls()); n != 1 {
		t.Errorf("calls %q: one change went more than once", svc.Calls())
	}

	// Another operator's tunnel: the service shows it without its owner.
	h.app.ui.list.Select(2)
	h.settle()
	if !d.networks.Disabled() || !d.start.Disabled() {
		t.Errorf("another user's tunnel: networks disabled %v, start disabled %v", d.networks.Disabled(), d.start.Disabled())
	}
	if want := "theirs belongs to another user: only they or an administrator can change it."; !d.note.Visible() || d.note.Text != want {
		t.Errorf("another user's tunnel: note %q (shown %v), want %q", d.note.Text, d.note.Visible(), want)
	}

	// An administrator sees the owner and may change it; a service that
	// refuses puts the menu back and says why.
	h.app.ui.list.Select(1)
	h.settle()
	if d.networks.Disabled() || d.start.Disabled() || d.note.Visible() {
		t.Fatalf("as an administrator: networks disabled %v, start disabled %v, note %q", d.networks.Disabled(), d.start.Disabled(), d.note.Text)
	}
	d.networks.SetSelected("Only on untrusted networks")
	h.waitFor("the refusal", func() bool { return h.dialogSays("only its owner or an administrator may change shared") })
	if d.networks.Selected != "On any network" {
		t.Errorf("after the refusal the menu shows %q", d.networks.Selected)
	}
	h.tapDialogButton("OK")
	svc.mu.Lock()
	svc.admin = true
	svc.mu.Unlock()
	d.networks.SetSelected("Only on untrusted networks")
	h.waitFor("the administrator's change", func() bool { return h.app.tunnels["shared"].Networks == api.NetworksUntrusted })
}

// A tunnel held down on a trusted network says so, with the network, in
// the list and the details; the health of an up tunnel is told in words.
func TestPausedTunnelAndHealthShowInWordsInListAndDetails(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateUp)
	h := newHarness(t, svc)
	h.ready()
	d := h.app.ui.details
	for _, c := range []struct {
		name       string
		edit       func(*api.Tunnel)
		state      string
		note       string
		toggle     string
		listHolds  string
		greyOrGold bool
	}{
		{"paused", func(t *api.Tunnel) {
			t.State, t.Networks, t.Paused = api.StateDown, api.NetworksUntrusted, "paused: trusted network home"
		}, "Paused, trusted network home", "runs only on untrusted networks: it comes up by itself when the computer leaves this network", "Activate", "office · Paused, trusted network home", false},
		{"waiting for the network", func(t *api.Tunnel) {
			t.State, t.Paused, t.Health = api.StateUp, "", api.Health{NoNetwork: true}
		}, "Waiting for the network", "the network under the tunnel is gone", "Deactivate", "office · Waiting for the network", true},
		{"the peer answers nothing", func(t *api.Tunnel) {
			t.Health = api.Health{Unanswered: true}
		}, "Active, the peer answers nothing", "The peer has answered nothing for 3 minutes", "Deactivate", "office · Active, the peer answers nothing", true},
		{"well again", func(t *api.Tunnel) { t.Health = api.Health{} }, "Active", "", "Deactivate", "office · Active", false},
	} {
		svc.change("office", c.edit)
		h.waitFor(c.name, func() bool { return d.state.Text == c.state })
		h.settle()
		if c.note == "" && d.note.Visible() || c.note != "" && (!d.note.Visible() || !strings.Contains(d.note.Text, c.note)) {
			t.Errorf("%s: note %q (shown %v), want %q", c.name, d.note.Text, d.note.Visible(), c.note)
		}
		if d.toggle.Text != c.toggle {
			t.Errorf("%s: toggle %q, want %q", c.name, d.toggle.Text, c.toggle)
		}
		if got := texts(h.app.ui.list); !slices.Contains(got, c.listHolds) {
			t.Errorf("%s: the list says %q, want %q", c.name, got, c.listHolds)
		}
		if amber := d.dot.FillColor == stateColor(api.StateStarting); amber != c.greyOrGold {
			t.Errorf("%s: dot %v", c.name, d.dot.FillColor)
		}
	}
}

// The Networks tab shows the network the computer is on, follows moves
// and list changes as the service reports them, trusts the current
// network after asking, and lists who added each trusted network, with
// Remove only where the caller may.
func TestTrustThisNetworkAsksListsWhoAddedItAndFollowsMoves(t *testing.T) {
	svc := newFakeService()
	svc.addTrusted(api.TrustedNetwork{ID: "n0", Name: "lab", GatewayMAC: "02:00:00:00:00:09", AddedBy: api.Owner{UID: "1001", Name: "anna"}, AddedAt: epoch.Add(-72 * time.Hour)})
	h := newHarness(t, svc)
	h.ready()
	v := h.app.ui.networks
	h.app.ui.tabs.SelectIndex(2)
	if v.current.Text != "Unknown network" || !v.trust.Disabled() {
		t.Fatalf("unknown network: %q, trust disabled %v", v.current.Text, v.trust.Disabled())
	}
	got := strings.Join(texts(v.list), "\n")
	for _, want := range []string{"lab", "Identified by gateway 02:00:00:00:00:09", "Added by anna on 2026-11-19", "Only anna or an administrator can remove it."} {
		if !strings.Contains(got, want) {
			t.Errorf("the list lacks %q:\n%s", want, got)
		}
	}
	if len(v.rows) != 1 || !v.rows[0].remove.Disabled() {
		t.Errorf("anna's network can be removed by another operator")
	}

	svc.moveTo(api.CurrentNetwork{Known: true, Interface: "wlan0", GatewayMAC: "02:00:00:00:00:01", SSID: "home"})
	h.waitFor("the move", func() bool { return v.current.Text == "Wi-Fi “home”, gateway 02:00:00:00:00:01" })
	if v.trustState.Text != "Not trusted: every tunnel runs here." || v.trust.Disabled() {
		t.Fatalf("untrusted network: %q, trust disabled %v", v.trustState.Text, v.trust.Disabled())
	}
	test.Type(v.name, "home")
	test.Tap(v.trust)
	if !h.dialogSays("go down on home") || h.dialogSays("can be faked") {
		t.Errorf("the question for a network with its gateway: %q", h.overlayTexts())
	}
	h.tapDialogButton("Cancel")
	h.settle()
	if calls := svc.Calls(); len(calls) != 0 {
		t.Fatalf("Cancel called %q", calls)
	}
	test.Tap(v.trust)
	h.tapDialogButton("Trust")
	h.waitFor("the trust", h.called("trust current=true mac= ssid= name=home"))
	// The network event and the answer to the trust call come in either
	// order: the state follows the one, the name field is emptied on the other.
	h.waitFor("trusted, the name field emptied", func() bool {
		return v.trustState.Text == "Trusted, as home: tunnels set to run only on untrusted networks stay down here." && v.name.Text == ""
	})
	if !v.trust.Disabled() {
		t.Errorf("a trusted network can be trusted again")
	}
	got = strings.Join(texts(v.list), "\n")
	if !strings.Contains(got, "home (this network)") || !strings.Contains(got, "Identified by Wi-Fi “home”, gateway 02:00:00:00:00:01") {
		t.Errorf("the list after trusting:\n%s", got)
	}

	// Another operator's remove from elsewhere reaches the window.
	svc.moveTo(api.CurrentNetwork{Known: true, Interface: "eth0", GatewayMAC: "02:00:00:00:00:09"})
	h.waitFor("on the lab's network", func() bool { return strings.HasPrefix(v.trustState.Text, "Trusted, as lab") })

	test.Tap(v.rows[1].remove)
	if !h.dialogSays("run on home again") {
		t.Errorf("the question before removing: %q", h.overlayTexts())
	}
	h.tapDialogButton("Remove")
	h.waitFor("the removal", h.called("distrust n1"))
	h.waitFor("the list without home", func() bool { return len(v.rows) == 1 })
}

// A trusted network removed elsewhere while the question was up is gone,
// as the user asked: the window shows no error for it.
func TestRemovingANetworkRemovedMeanwhileShowsNoError(t *testing.T) {
	svc := newFakeService()
	svc.addTrusted(api.TrustedNetwork{ID: "n0", Name: "lab", GatewayMAC: "02:00:00:00:00:09", AddedBy: api.Owner{UID: svc.uid, Name: "me"}, AddedAt: epoch})
	h := newHarness(t, svc)
	h.ready()
	v := h.app.ui.networks
	h.app.ui.tabs.SelectIndex(2)
	test.Tap(v.rows[0].remove)
	if !h.dialogSays("run on lab again") {
		t.Fatalf("the question before removing: %q", h.overlayTexts())
	}
	svc.removeTrusted("n0")
	h.tapDialogButton("Remove")
	h.waitFor("the removal", h.called("distrust n0"))
	h.settle()
	if texts := h.overlayTexts(); len(texts) != 0 {
		t.Errorf("after removing a network that was gone already: %q, want nothing shown", texts)
	}
	if len(v.rows) != 0 {
		t.Errorf("the list still has %d networks", len(v.rows))
	}
}

// Trusting a network by its Wi-Fi name alone, typed in or the one the
// computer is on, says before it is done that the name can be faked to
// turn the VPN off; the list keeps saying it.
func TestTrustingAWiFiNameAloneWarnsBeforeItIsDone(t *testing.T) {
	svc := newFakeService()
	svc.moveTo(api.CurrentNetwork{Known: true, Interface: "wlan0", SSID: "cafe"})
	h := newHarness(t, svc)
	h.ready()
	v := h.app.ui.networks
	h.app.ui.tabs.SelectIndex(2)
	warning := "A network trusted by its Wi-Fi name alone can be faked"

	test.Tap(v.trust)
	if !h.dialogSays(warning) {
		t.Errorf("no warning before trusting a network known by its Wi-Fi name alone: %q", h.overlayTexts())
	}
	h.tapDialogButton("Cancel")

	for _, c := range []struct {
		ssid, mac string
		warns     bool
		call      string
	}{
		{"airport", "", true, "trust current=false mac= ssid=airport name="},
		{"office", "02:00:00:00:00:05", false, "trust current=false mac=02:00:00:00:00:05 ssid=office name="},
	} {
		test.Tap(v.add)
		e := h.entries()
		if len(e) != 3 {
			t.Fatalf("the form has %d entries", len(e))
		}
		test.Type(e[0], c.ssid)
		test.Type(e[1], c.mac)
		h.tapDialogButton("Next…")
		if h.dialogSays(warning) != c.warns {
			t.Errorf("%s/%s: warning %v, want %v: %q", c.ssid, c.mac, !c.warns, c.warns, h.overlayTexts())
		}
		h.tapDialogButton("Trust")
		h.waitFor(c.call, h.called(c.call))
	}
	h.waitFor("both in the list", func() bool { return len(v.rows) == 2 })

	// On a network trusted by its Wi-Fi name alone, the tab says so and
	// offers to trust it by its gateway, as the warning asks.
	svc.moveTo(api.CurrentNetwork{Known: true, Interface: "wlan0", GatewayMAC: "02:00:00:00:00:07", SSID: "airport"})
	h.waitFor("on airport", func() bool { return strings.HasPrefix(v.trustState.Text, "Trusted as airport by its Wi-Fi name alone") })
	if v.trust.Disabled() {
		t.Fatal("a network trusted by its Wi-Fi name alone cannot be trusted by its gateway")
	}
	test.Type(v.name, "airport-gw")
	test.Tap(v.trust)
	if h.dialogSays(warning) {
		t.Errorf("warned about a Wi-Fi name alone for a network with its gateway: %q", h.overlayTexts())
	}
	h.tapDialogButton("Trust")
	h.waitFor("trusted by its gateway", func() bool { return strings.HasPrefix(v.trustState.Text, "Trusted, as ") })
	if !v.trust.Disabled() {
		t.Error("a network trusted by its gateway can be trusted again")
	}
	for i, warns := range []bool{true, false} {
		if got := strings.Join(texts(v.rows[i].content), "\n"); strings.Contains(got, warning) != warns {
			t.Errorf("row %d warns %v, want %v (only airport):\n%s", i, !warns, warns, got)
		}
	}
}
