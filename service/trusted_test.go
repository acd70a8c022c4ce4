package service

import (
	"errors"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/platform/netid"
	"github.com/wgtray/wgtray/service/api"
)

var (
	admin     = ipc.Peer{UID: "0", Name: "root", Admin: true}
	operatorA = ipc.Peer{UID: "1001", Name: "alice", Operator: true}
	operatorB = ipc.Peer{UID: "1002", Name: "bob", Operator: true}
)

func newTestTrusted(t *testing.T) (*trusted, *store) {
	t.Helper()
	st, err := openStore(filepath.Join(t.TempDir(), "state"))
	if err != nil {
		t.Fatal(err)
	}
	tr := newTrusted(st, newBroker(), nil)
	tr.identify = func() (netid.Identity, error) { return netid.Identity{}, nil }
	return tr, st
}

func wantCode(t *testing.T, what string, err error, status int, code string) {
	t.Helper()
	if status == 0 {
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
		return
	}
	var ae *apiError
	if !errors.As(err, &ae) || ae.status != status || ae.code != code {
		t.Errorf("%s: %v, want %d %s", what, err, status, code)
	}
}

// Trusted networks belong to the machine: admins and operators add them;
// an operator removes only what they added, an admin anything.
func TestOnlyWhoAddedATrustedNetworkOrAnAdminMayRemoveIt(t *testing.T) {
	tr, _ := newTestTrusted(t)
	add := func(who ipc.Peer, mac string) string {
		n, err := tr.add(who, api.TrustRequest{GatewayMAC: mac})
		if err != nil {
			t.Fatal(err)
		}
		if n.AddedBy.UID != who.UID || n.AddedAt.IsZero() {
			t.Errorf("entry says it was added by %+v at %v, want %s", n.AddedBy, n.AddedAt, who.UID)
		}
		return n.ID
	}
	byAdmin := add(admin, "02:00:00:00:00:01")
	byA := add(operatorA, "02:00:00:00:00:02")
	byA2 := add(operatorA, "02:00:00:00:00:03")
	for _, c := range []struct {
		what   string
		who    ipc.Peer
		id     string
		status int
		code   string
	}{
		{"an operator removes an admin's entry", operatorB, byAdmin, http.StatusForbidden, api.CodeForbidden},
		{"an operator removes another operator's entry", operatorB, byA, http.StatusForbidden, api.CodeForbidden},
		{"an operator removes their own entry", operatorA, byA, 0, ""},
		{"an admin removes an operator's entry", admin, byA2, 0, ""},
		{"an admin removes their own entry", admin, byAdmin, 0, ""},
		{"a removed entry", admin, byAdmin, http.StatusNotFound, api.CodeNotFound},
	} {
		wantCode(t, c.what, tr.remove(c.who, c.id), c.status, c.code)
	}
	if n := tr.view(admin); len(n.Trusted) != 0 {
		t.Errorf("left: %+v", n.Trusted)
	}
}

func TestTrustingAddsWhatIdentifiesTheNetworkAndWarnsOfSSIDAlone(t *testing.T) {
	tr, st := newTestTrusted(t)
	home := netid.Identity{Interface: "wlan0", Gateway: netip.MustParseAddr("192.168.1.1"), GatewayMAC: "02:00:00:00:00:0a",
		Router6: netip.MustParseAddr("fe80::1"), SSID: "home"}

	_, err := tr.add(operatorA, api.TrustRequest{Current: true})
	wantCode(t, "current while the gateway's MAC is unknown", err, http.StatusConflict, api.CodeUnknownNetwork)

	tr.identify = func() (netid.Identity, error) { return home, nil }
	n, err := tr.add(operatorA, api.TrustRequest{Current: true, Name: "Home"})
	if err != nil {
		t.Fatal(err)
	}
	if n.GatewayMAC != home.GatewayMAC || n.Router6 != home.Router6 || n.SSID != "home" || !n.Current || n.Warning != "" || !n.Removable {
		t.Errorf("current network trusted as %+v", n)
	}
	_, err = tr.add(admin, api.TrustRequest{GatewayMAC: "02-00-00-00-00-0A", SSID: "home", Name: "home-gw"})
	wantCode(t, "the gateway and SSID without the IPv6 router", err, 0, "")
	_, err = tr.add(admin, api.TrustRequest{Current: true, Name: "again"})
	wantCode(t, "the same network twice", err, http.StatusConflict, api.CodeExists)
	_, err = tr.add(admin, api.TrustRequest{SSID: "cafe", Name: "home"})
	wantCode(t, "a name that is taken", err, http.StatusConflict, api.CodeExists)
	_, err = tr.add(admin, api.TrustRequest{GatewayMAC: "not-a-mac"})
	wantCode(t, "a bad MAC", err, http.StatusBadRequest, api.CodeBadRequest)

	weak, err := tr.add(operatorB, api.TrustRequest{SSID: "cafe"})
	if err != nil {
		t.Fatal(err)
	}
	if weak.Warning != api.SSIDOnlyWarning || !strings.Contains(weak.Warning, "anyone nearby") {
		t.Errorf("an SSID alone is trusted without a warning: %+v", weak)
	}

	// The list is the machine's: it survives a restart of the service.
	list, err := st.loadTrusted()
	if err != nil || len(list) != 3 {
		t.Fatalf("stored %d entries (%v), want 3", len(list), err)
	}
	again := newTrusted(st, newBroker(), list)
	again.setCurrent(home)
	v := again.view(operatorB)
	if !v.Current.Trusted || v.Current.TrustedName != "Home" {
		t.Errorf("current network after a restart: %+v", v.Current)
	}
	for _, e := range v.Trusted {
		if e.Removable != (e.AddedBy.UID == operatorB.UID) {
			t.Errorf("%s removable by bob: %t", e.Name, e.Removable)
		}
	}
}
