package app

import (
	"archive/zip"
	"bytes"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"

	"github.com/wgtray/wgtray/app/desktoptest"
	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/version"
)

func contains(list []string, sub string) bool {
	return slices.ContainsFunc(list, func(s string) bool { return strings.Contains(s, sub) })
}

func TestImportConfZipAndQRFromFilesShowsSummary(t *testing.T) {
	svc := newFakeService()
	h := newHarness(t, svc)
	h.ready()

	dir := t.TempDir()
	conf := filepath.Join(dir, "office.conf")
	if err := os.WriteFile(conf, []byte(config(t, "10.1.0.2/32", "192.0.2.1:51820").String()), 0o600); err != nil {
		t.Fatal(err)
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, name := range []string{"a", "b", "c", "d", "e", "f"} {
		w, _ := zw.Create("bundle/" + name + ".conf")
		w.Write([]byte(config(t, "10.2.0.2/32", "192.0.2.2:51820").String()))
	}
	w, _ := zw.Create("broken.conf")
	w.Write([]byte("[Interface]\nPrivateKey = nope\n"))
	zw.Close()
	bundle := filepath.Join(dir, "bundle.zip")
	if err := os.WriteFile(bundle, zbuf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	qr := filepath.Join(dir, "phone.png")
	if err := os.WriteFile(qr, qrPNG(t, config(t, "10.3.0.2/32", "192.0.2.3:51820").String()), 0o600); err != nil {
		t.Fatal(err)
	}

	// Files dropped on the window arrive as URIs.
	h.app.importURIs([]fyne.URI{storage.NewFileURI(conf), storage.NewFileURI(bundle), storage.NewFileURI(qr)})
	h.waitFor("the summary", func() bool { return contains(h.overlayTexts(), "Imported") })
	got := h.overlayTexts()
	if !contains(got, "Imported 8 of 9 tunnels.") {
		t.Errorf("summary: %q", got)
	}
	for _, want := range []string{"✓ office.conf → office", "✓ bundle.zip:bundle/a.conf → a", "✓ phone.png → phone", "✗ bundle.zip:broken.conf: "} {
		if !contains(got, want) {
			t.Errorf("summary lacks %q: %q", want, got)
		}
	}
	h.waitFor("the tunnels in the list", func() bool { return len(h.app.names) == 8 })
}

func TestImportOfOneTunnelSelectsItWithoutDialog(t *testing.T) {
	h := newHarness(t, newFakeService())
	h.ready()
	qr := filepath.Join(t.TempDir(), "phone.png")
	if err := os.WriteFile(qr, qrPNG(t, config(t, "10.3.0.2/32", "192.0.2.3:51820").String()), 0o600); err != nil {
		t.Fatal(err)
	}
	test.AssertNotificationSent(t, fyne.NewNotification("Imported phone", "From "+qr+". Activate it from the window or the tray."), func() {
		h.app.ImportPaths([]string{qr})
		h.waitFor("the notification and the tunnel selected", func() bool { return h.fy.sent.Load() > 0 && h.app.selected == "phone" })
	})
	if top := h.app.Window().Canvas().Overlays().Top(); top != nil {
		t.Errorf("a dialog shows: %q", h.overlayTexts())
	}
}

func TestImportOfOneTunnelWithScriptsSaysTheyWillNotRun(t *testing.T) {
	h := newHarness(t, newFakeService())
	h.ready()
	c := config(t, "10.1.0.2/32", "192.0.2.1:51820")
	c.Interface.PostUp = []string{"iptables -A FORWARD -i %i -j ACCEPT"}
	conf := filepath.Join(t.TempDir(), "server.conf")
	if err := os.WriteFile(conf, []byte(c.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	h.app.ImportPaths([]string{conf})
	h.waitFor("the summary", func() bool { return contains(h.overlayTexts(), "Imported") })
	got := h.overlayTexts()
	for _, want := range []string{"Imported 1 of 1 tunnels.", "✓ " + conf + " → server", "PostUp kept but not run"} {
		if !contains(got, want) {
			t.Errorf("summary lacks %q: %q", want, got)
		}
	}
}

func TestImportReportsNameTakenByExistingTunnel(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
	h := newHarness(t, svc)
	h.ready()
	conf := filepath.Join(t.TempDir(), "office.conf")
	os.WriteFile(conf, []byte(config(t, "10.1.0.3/32", "192.0.2.1:51820").String()), 0o600)
	h.app.ImportPaths([]string{conf})
	h.waitFor("the question", func() bool { return h.overlayButtons()["Skip"] != nil })
	test.Tap(h.overlayButtons()["Skip"])
	h.waitFor("the summary", func() bool { return contains(h.overlayTexts(), "Imported") })
	if got := h.overlayTexts(); !contains(got, "Imported 0 of 1") || !contains(got, "exists already") {
		t.Errorf("summary: %q", got)
	}
}

func TestPasteOpensEditorAndImportsClipboardConfig(t *testing.T) {
	svc := newFakeService()
	h := newHarness(t, svc)
	h.ready()
	cfg := config(t, "10.4.0.2/32", "192.0.2.4:51820")
	h.app.fy.Clipboard().SetContent(cfg.String())

	test.Tap(h.app.ui.pasteButton)
	e := h.app.editor
	if e == nil || e.text.Text != cfg.String() {
		t.Fatal("the editor did not open on the clipboard text")
	}
	if !e.save.Disabled() {
		t.Error("Save is enabled before the tunnel has a name")
	}
	if got := e.publicKey.Text; got != cfg.Interface.PrivateKey.Public().String() {
		t.Errorf("public key %q, want %q", got, cfg.Interface.PrivateKey.Public())
	}
	test.Type(e.name, "pasted")
	if e.save.Disabled() {
		t.Fatalf("Save stays disabled: %q", e.problems.Text)
	}
	test.Tap(e.save)
	h.waitFor("the import", h.called("import pasted"))
	h.waitFor("the new tunnel selected", func() bool { return h.app.selected == "pasted" })
}

func TestEditorMarksOffendingLineAndBlocksSave(t *testing.T) {
	svc := newFakeService()
	cfg := config(t, "10.5.0.2/32", "192.0.2.5:51820")
	svc.add("home", cfg, api.StateDown)
	h := newHarness(t, svc)
	h.ready()

	test.Tap(h.app.ui.details.edit)
	h.waitFor("the editor", func() bool { return h.app.editor != nil })
	e := h.app.editor
	if e.save.Disabled() || len(e.markedLines()) != 0 {
		t.Fatalf("a valid config is marked: lines %v, %q", e.markedLines(), e.problems.Text)
	}

	lines := strings.Split(e.text.Text, "\n")
	i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "Address") })
	lines[i] = "Address = 10.5.0.300/32"
	e.text.SetText(strings.Join(lines, "\n"))
	if got := e.markedLines(); !slices.Equal(got, []int{i + 1}) {
		t.Errorf("marked lines %v, want [%d]", got, i+1)
	}
	if !e.save.Disabled() {
		t.Error("Save is enabled for an invalid config")
	}
	if !strings.Contains(e.problems.Text, "Address") {
		t.Errorf("problems %q do not name the key", e.problems.Text)
	}

	lines[i] = "Address = 10.5.0.3/32"
	e.text.SetText(strings.Join(lines, "\n"))
	if len(e.markedLines()) != 0 || e.save.Disabled() {
		t.Fatalf("fixed config still marked: %v %q", e.markedLines(), e.problems.Text)
	}
	test.Tap(e.save)
	h.waitFor("the update", h.called("update home"))
}

func TestNewTunnelShowsGeneratedPublicKey(t *testing.T) {
	h := newHarness(t, newFakeService())
	h.ready()
	test.Tap(h.app.ui.newButton)
	e := h.app.editor
	pub := e.publicKey.Text
	if _, err := importer.ParseKey(pub); err != nil {
		t.Fatalf("public key %q: %v", pub, err)
	}
	if pub != publicKeyIn(e.text.Text) || strings.Contains(e.text.Text, pub) {
		t.Errorf("public key %q is not derived from the template's private key", pub)
	}
	if !e.save.Disabled() {
		t.Error("the empty template can be saved")
	}
}

func TestToggleActivatesAndDeactivatesTunnel(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
	h := newHarness(t, svc)
	h.ready()
	toggle := h.app.ui.details.toggle
	if toggle.Text != "Activate" {
		t.Fatalf("button %q", toggle.Text)
	}
	test.Tap(toggle)
	h.waitFor("the tunnel up", func() bool { return toggle.Text == "Deactivate" })
	if h.app.ui.details.state.Text != "Active" {
		t.Errorf("state %q", h.app.ui.details.state.Text)
	}
	test.Tap(toggle)
	h.waitFor("the tunnel down", func() bool { return toggle.Text == "Activate" })
	if !slices.Equal(svc.Calls(), []string{"up office", "down office"}) {
		t.Errorf("calls %v", svc.Calls())
	}
}

func TestKillSwitchSettingsChangeModeAndLAN(t *testing.T) {
	svc := newFakeService()
	h := newHarness(t, svc)
	h.ready()
	v := h.app.ui.killSwitch
	if v.mode.Selected != "Off" {
		t.Fatalf("mode %q", v.mode.Selected)
	}
	v.mode.SetSelected(killSwitchModes()[2].label)
	test.Tap(h.overlayButtons()["Block"])
	h.waitFor("lockdown", h.called("killswitch always lan=false"))
	h.waitFor("the active state", func() bool { return strings.HasPrefix(v.active.Text, "Blocking now") })
	test.Tap(v.allowLAN)
	h.waitFor("allow LAN", h.called("killswitch always lan=true"))
	h.settle()
	if !v.allowLAN.Checked || v.mode.Selected != killSwitchModes()[2].label {
		t.Errorf("view shows %q lan=%v", v.mode.Selected, v.allowLAN.Checked)
	}
}

// A lockdown or a setting an administrator locked shows as locked, with
// who can change it, in the window's kill-switch tab, and cannot be changed
// there; once the administrator unlocks it, it can. (The tray agent's menu
// has its own test in package tray.)
func TestKillSwitchLockedByAnAdministratorShowsLockedAndCannotBeChanged(t *testing.T) {
	for _, locked := range []api.KillSwitch{
		{Mode: api.KillSwitchAlways, SetByAdmin: true, Active: true},
		{Mode: api.KillSwitchAuto, Locked: true, SetByAdmin: true},
	} {
		t.Run(string(locked.Mode), func(t *testing.T) {
			svc := newFakeService()
			svc.setKillSwitch(locked)
			h := newHarness(t, svc)
			h.ready()
			v := h.app.ui.killSwitch
			if !v.mode.Disabled() || !v.allowLAN.Disabled() {
				t.Errorf("the kill-switch controls are enabled for a setting only an administrator can change (mode disabled %v, LAN disabled %v)", v.mode.Disabled(), v.allowLAN.Disabled())
			}
			if !v.locked.Visible() || !strings.Contains(v.locked.Text, "set by an administrator; only an administrator can change it") {
				t.Errorf("the kill-switch tab says %q (visible %v), want who can change it", v.locked.Text, v.locked.Visible())
			}
			test.Tap(v.allowLAN)
			h.settle()
			for _, c := range svc.Calls() {
				if strings.HasPrefix(c, "killswitch") {
					t.Errorf("the app asked the service %q for a locked setting", c)
				}
			}

			unlocked := locked
			unlocked.Locked, unlocked.SetByAdmin, unlocked.Changeable = false, false, true
			svc.setKillSwitch(unlocked)
			h.waitFor("the controls enabled", func() bool { return !v.mode.Disabled() && !v.allowLAN.Disabled() })
			if v.locked.Visible() {
				t.Errorf("an unlocked kill switch still shows locked: %q", v.locked.Text)
			}
		})
	}
}

func TestServiceDownShowsBannerAndReconnectRestoresTunnels(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateUp)
	svc.add("lab", config(t, "10.9.0.2/32", "192.0.2.9:51820"), api.StateDown)
	h := newHarness(t, svc)
	h.ready()
	svc.setDown(true)
	banner := h.app.ui.banner
	h.waitFor("the banner", func() bool { return banner.Visible() && strings.Contains(banner.Text, "not running") })
	if !strings.Contains(banner.Text, "sudo wgtrayd start") {
		t.Errorf("banner does not say how to start the service: %q", banner.Text)
	}
	if !h.app.ui.importButton.Disabled() {
		t.Error("import is enabled without a service")
	}

	// The service comes back after a restart: it wants office up but has
	// no keys for it.
	// It lost "lab" meanwhile.
	svc.mu.Lock()
	svc.tunnels["office"].State = api.StateDown
	svc.tunnels["office"].NeedsKeys = true
	delete(svc.tunnels, "lab")
	svc.mu.Unlock()
	svc.setDown(false)
	h.waitFor("the banner gone", func() bool { return !banner.Visible() })
	h.waitFor("lab gone", func() bool { return !slices.Contains(h.app.names, "lab") })
	h.waitFor("the keys sent again", h.called("up office"))
	h.waitFor("office up", func() bool { return h.app.tunnels["office"].State == api.StateUp })

	// And it goes away while running.
	svc.setDown(true)
	h.waitFor("the banner again", func() bool { return banner.Visible() })
}

func TestDetailsNameTheInterfaceTheOSGaveTheTunnel(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateUp)
	svc.tunnels["office"].ifname = "utun4"
	h := newHarness(t, svc)
	h.ready()
	h.pollNow()
	if got := h.app.ui.details.state.Text; got != "Active on utun4" {
		t.Errorf("state %q, want %q", got, "Active on utun4")
	}
}

func TestDetailsShowLiveStatistics(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateUp)
	h := newHarness(t, svc)
	h.ready()
	hs := h.clock().Add(-63 * time.Second)
	peers := func(rx, tx uint64) []api.PeerStatus {
		return []api.PeerStatus{{PublicKey: "peerkey", Endpoint: "192.0.2.1:51820", LatestHandshake: &hs, RxBytes: rx, TxBytes: tx,
			AllowedIPs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}}
	}
	svc.setStats("office", peers(1<<20, 2048))
	h.pollNow()
	h.advance(time.Second)
	svc.setStats("office", peers(3<<20, 4096))
	h.pollNow()
	pv := h.app.ui.details.peerViews[0]
	if pv.handshake.Text != "1 minute, 4 seconds ago" {
		t.Errorf("handshake %q", pv.handshake.Text)
	}
	if want := "3.00 MiB received, 4.00 KiB sent"; pv.transfer.Text != want {
		t.Errorf("transfer %q, want %q", pv.transfer.Text, want)
	}
	d := h.app.ui.details
	if d.rxLegend.Text != "In 2.00 MiB/s" || d.txLegend.Text != "Out 2.00 KiB/s" {
		t.Errorf("throughput %q and %q, want In 2.00 MiB/s and Out 2.00 KiB/s", d.rxLegend.Text, d.txLegend.Text)
	}
	if len(d.graph.rx) != 1 || d.graph.rx[0] != 2<<20 || len(d.graph.tx) != 1 || d.graph.tx[0] != 2<<10 {
		t.Errorf("graph samples %v and %v", d.graph.rx, d.graph.tx)
	}
}

func TestStatisticsArePolledOnlyWhileNeeded(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
	h := newHarness(t, svc)
	h.ready()
	if got := h.app.pollInterval(); got != h.app.opts.Poll {
		t.Errorf("shown: %v", got)
	}
	h.app.Hide()
	if got := h.app.pollInterval(); got != 0 {
		t.Errorf("hidden with nothing up: %v", got)
	}
	svc.setState("office", api.StateUp, "")
	h.waitFor("up", func() bool { return h.app.tunnels["office"].State == api.StateUp })
	if got := h.app.pollInterval(); got != h.app.opts.HiddenPoll {
		t.Errorf("hidden with a tunnel up: %v", got)
	}
	svc.setDown(true)
	h.waitFor("disconnected", func() bool { return !h.app.connected })
	h.app.Show()
	if got := h.app.pollInterval(); got != 0 {
		t.Errorf("shown without a service: %v", got)
	}
}

func TestLogViewFollowsServiceLogWhileShown(t *testing.T) {
	svc := newFakeService()
	svc.logs = []api.LogEntry{{Time: epoch, Level: "INFO", Message: "tunnel up", Attrs: map[string]string{"tunnel": "office"}}}
	h := newHarness(t, svc)
	h.ready()
	h.app.ui.tabs.Select(h.app.ui.logsTab)
	h.waitFor("the log line", func() bool { return len(h.app.ui.logs.lines) == 1 })
	if got := h.app.ui.logs.lines[0]; !strings.HasSuffix(got, "INFO  tunnel up tunnel=office") {
		t.Errorf("line %q", got)
	}
	test.Tap(h.app.ui.logs.copy)
	if got := h.fy.Clipboard().Content(); got != h.app.ui.logs.lines[0]+"\n" {
		t.Errorf("Copy log copied %q", got)
	}
	h.app.Hide()
	if h.app.ui.logs.cancel != nil {
		t.Error("the log is still followed with the window hidden")
	}
}

func TestRemoveAsksFirst(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
	h := newHarness(t, svc)
	h.ready()
	test.Tap(h.app.ui.details.remove)
	if !contains(h.overlayTexts(), "cannot be undone") {
		t.Fatalf("no confirmation: %q", h.overlayTexts())
	}
	if len(svc.Calls()) != 0 {
		t.Fatal("removed before confirmation")
	}
}

func TestExportAllZipImportsBack(t *testing.T) {
	a, b := config(t, "10.1.0.2/32", "192.0.2.1:51820"), config(t, "10.2.0.2/32", "192.0.2.2:51820")
	data, err := zipConfigs([]string{"a", "b"}, map[string]*importer.Config{"a": a, "b": b}, epoch)
	if err != nil {
		t.Fatal(err)
	}
	res := importer.Import("all.zip", data)
	if len(res) != 2 || res[0].Err != nil || res[1].Err != nil {
		t.Fatalf("results %+v", res)
	}
	if res[0].Config.String() != a.String() || res[1].Name != "b" {
		t.Error("the bundle does not give back the configs")
	}
}

func qrPNG(t *testing.T, text string) []byte {
	t.Helper()
	b, err := desktoptest.QRCode(text)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAboutShowsVersionAndCommit(t *testing.T) {
	h := newHarness(t, newFakeService())
	h.ready()
	h.app.mainMenu().Items[1].Items[0].Action()
	if !contains(h.overlayTexts(), version.String()) {
		t.Fatalf("About shows %q, want %q", h.overlayTexts(), version.String())
	}
}

func TestImportFolderImportsEveryConfigFileInIt(t *testing.T) {
	svc := newFakeService()
	h := newHarness(t, svc)
	h.ready()
	dir := t.TempDir()
	for name, data := range map[string]string{
		"home.conf":  config(t, "10.1.0.2/32", "192.0.2.1:51820").String(),
		"work.CONF":  config(t, "10.2.0.2/32", "192.0.2.2:51820").String(),
		"notes.txt":  "not a tunnel",
		"README.md":  "# not a tunnel",
		"peer.conf~": "an editor's backup",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	folder, err := storage.ListerForURI(storage.NewFileURI(dir))
	if err != nil {
		t.Fatal(err)
	}
	h.app.importFolder(folder)
	h.waitFor("the summary", func() bool { return contains(h.overlayTexts(), "Imported") })
	if got := h.overlayTexts(); !contains(got, "Imported 2 of 2 tunnels.") {
		t.Errorf("summary: %q", got)
	}
	h.waitFor("the tunnels in the list", func() bool { return len(h.app.names) == 2 })
}

func TestServiceDownShowsStateUnknownAndReconnectKeepsSelection(t *testing.T) {
	svc := newFakeService()
	svc.add("home", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
	svc.add("office", config(t, "10.9.0.2/32", "192.0.2.9:51820"), api.StateUp)
	h := newHarness(t, svc)
	h.ready()
	h.app.ui.list.Select(1)
	h.settle()
	if h.app.selected != "office" {
		t.Fatalf("selected %q", h.app.selected)
	}
	d := h.app.ui.details

	svc.setDown(true)
	h.waitFor("the banner", func() bool { return h.app.ui.banner.Visible() })
	for _, text := range texts(h.app.ui.list) {
		if strings.Contains(text, "Active") || strings.Contains(text, "Inactive") {
			t.Errorf("the list says %q while the service is down", text)
		}
	}
	if !strings.HasPrefix(d.state.Text, "Unknown") {
		t.Errorf("details say %q while the service is down", d.state.Text)
	}
	if !d.toggle.Disabled() || d.toggle.Text != "Activate" {
		t.Errorf("toggle %q (disabled %v) while the service is down", d.toggle.Text, d.toggle.Disabled())
	}

	svc.setDown(false)
	h.ready()
	if h.app.selected != "office" || d.name.Text != "office" {
		t.Errorf("after reconnecting, %q is selected and %q shown; want office", h.app.selected, d.name.Text)
	}
	if d.state.Text != "Active" || d.toggle.Text != "Deactivate" || d.toggle.Disabled() {
		t.Errorf("after reconnecting: state %q, toggle %q (disabled %v)", d.state.Text, d.toggle.Text, d.toggle.Disabled())
	}
}

func TestGraphShowsTheLastTenMinutesOnRequest(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateUp)
	h := newHarness(t, svc)
	h.ready()
	var rx uint64
	for range 130 {
		rx += 1 << 20
		svc.setStats("office", []api.PeerStatus{{PublicKey: "peerkey", RxBytes: rx}})
		h.pollNow()
		h.advance(time.Second)
	}
	d := h.app.ui.details
	if len(d.graph.rx) != 60 || d.graph.tenMin {
		t.Fatalf("the last minute: %d points, ten minutes %v", len(d.graph.rx), d.graph.tenMin)
	}
	d.span.SetSelected(d.span.Options[1])
	if len(d.graph.rx) != 13 || !d.graph.tenMin {
		t.Errorf("ten minutes of 129 samples: %d points, ten minutes %v; want 13", len(d.graph.rx), d.graph.tenMin)
	}
}
