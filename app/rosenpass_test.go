package app

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/wgtray/wgtray/service/api"
)

// The details say per peer whether Rosenpass is on, the service's reason in
// words and when the last exchange was; a tunnel that is down says it
// starts with the tunnel.
func TestDetailsShowRosenpassStatePerPeer(t *testing.T) {
	cfg := config(t, "10.1.0.2/32", "192.0.2.1:51820")
	peer := cfg.Peers[0].PublicKey.String()
	last := epoch.Add(-70 * time.Second)
	tests := []struct {
		name     string
		state    api.State
		rp       *api.RosenpassStatus
		want     string
		toggle   string
		wantNone string
	}{
		{"off", api.StateUp, nil, "off", "Turn on…", ""},
		{"waiting", api.StateUp, &api.RosenpassStatus{Endpoint: "192.0.2.1:9999", State: "waiting", Reason: "waiting for the post-quantum key exchange with 192.0.2.1:9999"},
			"on: waiting for the post-quantum key exchange with 192.0.2.1:9999; last exchange never", "Turn off", ""},
		{"exchanged", api.StateUp, &api.RosenpassStatus{Endpoint: "192.0.2.1:9999", State: "exchanged", Reason: "exchanged", LastExchange: &last},
			"on: exchanged; last exchange 1 minute, 10 seconds ago", "Turn off", ""},
		{"down", api.StateDown, &api.RosenpassStatus{Endpoint: "192.0.2.1:9999"},
			"on, with 192.0.2.1:9999; starts with the tunnel", "Turn off", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := newFakeService()
			svc.add("office", cfg, tc.state)
			if tc.rp != nil {
				svc.setRosenpass("office", peer, tc.rp)
			}
			h := newHarness(t, svc)
			h.ready()
			h.pollNow()
			pv := h.app.ui.details.peerViews[0]
			if pv.pq.Text != tc.want {
				t.Errorf("post-quantum %q, want %q", pv.pq.Text, tc.want)
			}
			if pv.pqToggle.Text != tc.toggle || pv.pqToggle.Disabled() {
				t.Errorf("button %q (disabled %v), want %q enabled", pv.pqToggle.Text, pv.pqToggle.Disabled(), tc.toggle)
			}
		})
	}
}

// Turning Rosenpass on asks for the server's key file and offers the peer's
// host with port 9999 as the endpoint, which the user may change.
func TestTurnOnRosenpassSendsTheKeyFileAndEndpoint(t *testing.T) {
	cfg := config(t, "10.1.0.2/32", "192.0.2.1:51820")
	peer := cfg.Peers[0].PublicKey.String()
	tests := []struct {
		name, endpoint, want string
	}{
		{"prefilled", "", "192.0.2.1:9999"},
		{"edited", "pq.example.com:7777", "pq.example.com:7777"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			svc := newFakeService()
			svc.add("office", cfg, api.StateDown)
			h := newHarness(t, svc)
			h.ready()
			h.pollNow()
			test.Tap(h.app.ui.details.peerViews[0].pqToggle)
			if !contains(h.overlayTexts(), "Choose…") {
				t.Fatalf("no form: %q", h.overlayTexts())
			}
			f := h.app.pqForm
			if f.endpoint.Text != "192.0.2.1:9999" {
				t.Errorf("endpoint prefilled %q, want 192.0.2.1:9999", f.endpoint.Text)
			}
			if tc.endpoint != "" {
				f.endpoint.SetText(tc.endpoint)
			}
			f.setKey("server.pqpk", make([]byte, 524160))
			h.tapDialogButton("Turn on")
			call := "rosenpass office " + peer + " on key=524160 endpoint=" + tc.want
			h.waitFor(call, h.called(call))
			h.waitFor("the state", func() bool {
				return strings.HasPrefix(h.app.ui.details.peerViews[0].pq.Text, "on, with "+tc.want)
			})
			if got := h.app.ui.details.peerViews[0].pqToggle.Text; got != "Turn off" {
				t.Errorf("button %q after turning on, want Turn off", got)
			}
		})
	}
}

// Without a key file the form says what to do and turns nothing on.
func TestTurnOnRosenpassWithoutKeyFileSaysWhatToDo(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
	h := newHarness(t, svc)
	h.ready()
	test.Tap(h.app.ui.details.peerViews[0].pqToggle)
	h.tapDialogButton("Turn on")
	if !contains(h.overlayTexts(), "pqpk") {
		t.Fatalf("no hint about the key file: %q", h.overlayTexts())
	}
	h.settle()
	if len(svc.Calls()) != 0 {
		t.Errorf("calls %q without a key", svc.Calls())
	}
}

// Turning Rosenpass off asks first.
func TestTurnOffRosenpassAsksFirst(t *testing.T) {
	cfg := config(t, "10.1.0.2/32", "192.0.2.1:51820")
	peer := cfg.Peers[0].PublicKey.String()
	svc := newFakeService()
	svc.add("office", cfg, api.StateDown)
	svc.setRosenpass("office", peer, &api.RosenpassStatus{Endpoint: "192.0.2.1:9999"})
	h := newHarness(t, svc)
	h.ready()
	h.pollNow()
	test.Tap(h.app.ui.details.peerViews[0].pqToggle)
	if !contains(h.overlayTexts(), "quantum computer") || len(svc.Calls()) != 0 {
		t.Fatalf("no confirmation first: %q, calls %q", h.overlayTexts(), svc.Calls())
	}
	h.tapDialogButton("Yes")
	h.waitFor("off", h.called("rosenpass office "+peer+" off"))
	h.waitFor("the state", func() bool { return h.app.ui.details.peerViews[0].pq.Text == "off" })
}

// The tunnel's Rosenpass public key is exported as the raw bytes.
func TestExportRosenpassKeyWritesTheRawPublicKey(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
	h := newHarness(t, svc)
	h.ready()
	if h.app.ui.details.exportPQ.Disabled() {
		t.Fatal("export of the Rosenpass key disabled")
	}
	got, err := h.app.rosenpassKey(context.Background(), "office")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := svc.RosenpassPublicKey(context.Background(), "office")
	if len(got) != 524160 || !bytes.Equal(got, want) {
		t.Errorf("exported %d bytes, want the service's 524160", len(got))
	}
}

// The editor says that a peer's PresharedKey is replaced while Rosenpass
// is on for it, and says nothing for a tunnel without Rosenpass.
func TestEditorSaysRosenpassReplacesThePresharedKey(t *testing.T) {
	cfg := config(t, "10.1.0.2/32", "192.0.2.1:51820")
	peer := cfg.Peers[0].PublicKey.String()
	for _, on := range []bool{false, true} {
		svc := newFakeService()
		svc.add("office", cfg, api.StateDown)
		if on {
			svc.setRosenpass("office", peer, &api.RosenpassStatus{Endpoint: "192.0.2.1:9999"})
		}
		h := newHarness(t, svc)
		h.ready()
		h.pollNow()
		h.app.editTunnel("office")
		h.waitFor("the editor", func() bool { return h.app.editor != nil })
		e := h.app.editor
		if shown := !e.pqNote.Hidden && strings.Contains(e.pqNote.Text, "PresharedKey here is replaced by Rosenpass"); shown != on {
			t.Errorf("Rosenpass on %v: note %q (hidden %v)", on, e.pqNote.Text, e.pqNote.Hidden)
		}
		if on && !strings.Contains(e.pqNote.Text, peer[:8]) {
			t.Errorf("note %q does not name the peer", e.pqNote.Text)
		}
		e.win.Close()
	}
}

// A bundle with the server's pqpk beside the .conf turns Rosenpass on for
// its peer after the import, and the summary says so.
func TestImportOfBundleWithServerKeyTurnsRosenpassOn(t *testing.T) {
	cfg := config(t, "10.1.0.2/32", "192.0.2.1:51820")
	peer := cfg.Peers[0].PublicKey.String()
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	w, _ := zw.Create("office.conf")
	w.Write([]byte(cfg.String()))
	w, _ = zw.Create("office.pqpk")
	w.Write(make([]byte, 524160))
	zw.Close()
	bundle := filepath.Join(t.TempDir(), "bundle.zip")
	if err := os.WriteFile(bundle, zbuf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	svc := newFakeService()
	h := newHarness(t, svc)
	h.ready()
	h.app.importURIs([]fyne.URI{storage.NewFileURI(bundle)})
	call := "rosenpass office " + peer + " on key=524160 endpoint="
	h.waitFor(call, h.called(call))
	h.waitFor("the summary", func() bool { return contains(h.overlayTexts(), "Rosenpass is on for peer "+peer[:8]) })
}

// A folder with the server's pqpk beside the .conf does the same.
func TestImportOfFolderWithServerKeyTurnsRosenpassOn(t *testing.T) {
	cfg := config(t, "10.1.0.2/32", "192.0.2.1:51820")
	peer := cfg.Peers[0].PublicKey.String()
	folder := folderOf(t, map[string][]byte{"office.conf": []byte(cfg.String()), "office.pqpk": make([]byte, 524160),
		"home.conf": []byte(config(t, "10.2.0.2/32", "192.0.2.2:51820").String())})
	svc := newFakeService()
	h := newHarness(t, svc)
	h.ready()
	h.app.importFolder(folder)
	call := "rosenpass office " + peer + " on key=524160 endpoint="
	h.waitFor(call, h.called(call))
	h.waitFor("the summary", func() bool { return contains(h.overlayTexts(), "Imported 2 of 2 tunnels.") })
	if n := strings.Count(strings.Join(svc.Calls(), "\n"), "rosenpass "); n != 1 {
		t.Errorf("Rosenpass turned on %d times, want once: %q", n, svc.Calls())
	}
}

// After a name conflict, the tunnel imported under a new name or replacing
// the old one gets Rosenpass for the key that came with it.
func TestImportAfterNameConflictKeepsTheServerKey(t *testing.T) {
	for _, c := range []struct {
		name, stored string
		tap          []string
	}{
		{"rename", "office-2", []string{"Import as new name"}},
		{"replace", "office", []string{"Replace…", "Replace"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := config(t, "10.1.0.3/32", "192.0.2.1:51820")
			peer := cfg.Peers[0].PublicKey.String()
			folder := folderOf(t, map[string][]byte{"office.conf": []byte(cfg.String()), "office.pqpk": make([]byte, 524160)})
			svc := newFakeService()
			svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
			h := newHarness(t, svc)
			h.ready()
			h.app.importFolder(folder)
			h.waitFor("the question", func() bool { return contains(h.overlayTexts(), "office exists already") })
			for _, b := range c.tap {
				button := h.overlayButtons()[b]
				if button == nil {
					t.Fatalf("no button %q: %q", b, h.overlayTexts())
				}
				test.Tap(button)
				h.settle()
			}
			call := "rosenpass " + c.stored + " " + peer + " on key=524160 endpoint="
			h.waitFor(call, h.called(call))
		})
	}
}

// folderOf is a local folder holding files, as the folder dialog gives it.
func folderOf(t *testing.T, files map[string][]byte) fyne.ListableURI {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	folder, err := storage.ListerForURI(storage.NewFileURI(dir))
	if err != nil {
		t.Fatal(err)
	}
	return folder
}
