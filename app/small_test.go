package app

import (
	"archive/zip"
	"bytes"
	"errors"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/version"
)

// overlayButtons are the buttons of the topmost dialog, by their text.
func (h *harness) overlayButtons() map[string]*widget.Button {
	out := map[string]*widget.Button{}
	walkVisible(h.app.Window().Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
		if b, ok := o.(*widget.Button); ok {
			out[b.Text] = b
		}
	})
	return out
}

// Remove and lockdown cannot be taken back from the dialog: Cancel is the
// highlighted and focused button, the action is chosen explicitly, and
// Cancel leaves everything as it was.
func TestDestructiveConfirmationsDefaultToCancel(t *testing.T) {
	for _, c := range []struct {
		name, action, text, call string
		open                     func(h *harness)
		after                    func(t *testing.T, h *harness)
	}{
		{
			name: "remove", action: "Remove", text: "cannot be undone", call: "delete office",
			open: func(h *harness) { test.Tap(h.app.ui.details.remove) },
		},
		{
			name: "kill switch always", action: "Block", text: "Lockdown blocks every connection", call: "killswitch always lan=false",
			open: func(h *harness) {
				v := h.app.ui.killSwitch
				v.mode.SetSelected(killSwitchModes()[2].label)
			},
			after: func(t *testing.T, h *harness) {
				if got := h.app.ui.killSwitch.mode.Selected; got != "Off" {
					t.Errorf("after Cancel the mode shows %q, want Off", got)
				}
			},
		},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc := newFakeService()
			svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
			h := newHarness(t, svc)
			h.ready()

			c.open(h)
			if !contains(h.overlayTexts(), c.text) {
				t.Fatalf("no confirmation: %q", h.overlayTexts())
			}
			buttons := h.overlayButtons()
			cancel, action := buttons["Cancel"], buttons[c.action]
			if cancel == nil || action == nil {
				t.Fatalf("buttons %v, want Cancel and %s", buttons, c.action)
			}
			if cancel.Importance != widget.HighImportance || action.Importance == widget.HighImportance {
				t.Errorf("Cancel importance %v, %s importance %v: Cancel must be the default", cancel.Importance, c.action, action.Importance)
			}
			if h.app.Window().Canvas().Focused() != cancel {
				t.Errorf("focused %v, want Cancel", h.app.Window().Canvas().Focused())
			}
			test.Tap(cancel)
			h.settle()
			if len(svc.Calls()) != 0 {
				t.Fatalf("calls after Cancel: %q", svc.Calls())
			}
			if c.after != nil {
				c.after(t, h)
			}

			c.open(h)
			test.Tap(h.overlayButtons()[c.action])
			h.waitFor(c.call, h.called(c.call))
		})
	}
}

func TestExportAllIsEnabledOnlyWithTunnelsOfYours(t *testing.T) {
	for _, c := range []struct {
		name    string
		tunnels map[string]bool // name: mine
		enabled bool
	}{
		{"no tunnels", nil, false},
		{"another user's tunnel", map[string]bool{"theirs": false}, false},
		{"a tunnel of yours", map[string]bool{"theirs": false, "mine": true}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc := newFakeService()
			for n, mine := range c.tunnels {
				svc.add(n, config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
				svc.tunnels[n].Mine = mine
			}
			h := newHarness(t, svc)
			h.ready()
			if got := !h.app.ui.exportAllButton.Disabled(); got != c.enabled {
				t.Errorf("Export all enabled = %v, want %v", got, c.enabled)
			}
		})
	}
}

func TestStartSelectsTheActiveTunnel(t *testing.T) {
	for _, c := range []struct {
		name   string
		states map[string]api.State
		want   string
	}{
		{"first up", map[string]api.State{"alpha": api.StateDown, "home": api.StateUp, "work": api.StateUp}, "home"},
		{"coming up", map[string]api.State{"alpha": api.StateDown, "home": api.StateStarting}, "home"},
		{"none up", map[string]api.State{"alpha": api.StateDown, "home": api.StateDown}, "alpha"},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc := newFakeService()
			for n, s := range c.states {
				svc.add(n, config(t, "10.1.0.2/32", "192.0.2.1:51820"), s)
			}
			h := newHarness(t, svc)
			h.ready()
			if h.app.selected != c.want || h.app.ui.details.name.Text != c.want {
				t.Errorf("selected %q showing %q, want %q", h.app.selected, h.app.ui.details.name.Text, c.want)
			}
		})
	}
}

func TestAboutShowsTheVersionOnce(t *testing.T) {
	for _, c := range []struct{ version, commit, want, not string }{
		{"c68d878", "c68d878", "wgtray c68d878", "(c68d878)"},
		{"v1.0.0", "c68d878", "wgtray v1.0.0 (c68d878)", ""},
	} {
		t.Run(c.version, func(t *testing.T) {
			v, cm := version.Version, version.Commit
			version.Version, version.Commit = c.version, c.commit
			t.Cleanup(func() { version.Version, version.Commit = v, cm })
			h := newHarness(t, newFakeService())
			h.ready()
			h.app.mainMenu().Items[1].Items[0].Action()
			got := h.overlayTexts()
			if !contains(got, c.want) || (c.not != "" && contains(got, c.not)) {
				t.Errorf("About shows %q, want %q", got, c.want)
			}
		})
	}
}

// At its own minimum size Fyne's file dialog wraps the names of the files
// under their icons ("Downloa" over "ds"); it gets most of the window.
func TestFileDialogsAreNearlyAsLargeAsTheWindow(t *testing.T) {
	for _, c := range []struct {
		name string
		open func(a *App)
	}{
		{"import", func(a *App) { a.ImportDialog() }},
		{"folder", func(a *App) { a.importFolderDialog() }},
		{"export", func(a *App) { a.saveFile("office.conf", nil) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t, newFakeService())
			h.ready()
			c.open(h.app)
			top := h.app.Window().Canvas().Overlays().Top()
			win := h.app.Window().Canvas().Size()
			if top == nil {
				t.Fatal("no dialog")
			}
			var d fyne.CanvasObject = top
			for _, o := range test.WidgetRenderer(top.(fyne.Widget)).Objects() {
				if o.Size().Width > d.Size().Width/2 && o.Size().Width < d.Size().Width {
					d = o // the dialog inside the full-window overlay
				}
			}
			if s := d.Size(); s.Width < win.Width*0.8 || s.Height < win.Height*0.8 {
				t.Errorf("dialog %v in a window of %v", s, win)
			}
			if strings.Contains(strings.Join(h.overlayTexts(), "|"), "Downloa|ds") {
				t.Error("a name wraps")
			}
		})
	}
}

// A tunnel's name keeps its case at the start of an error: Fyne's own
// error dialog made "home186 cannot come up…" "Home186 cannot come up…".
func TestErrorsKeepTheTunnelNamesCase(t *testing.T) {
	h := newHarness(t, newFakeService())
	h.ready()
	msg := "home186 cannot come up while office is up: 10.0.0.0/8 overlaps 10.1.0.0/16; bring office down first"
	h.app.showError(errors.New(msg))
	got := h.overlayTexts()
	if !contains(got, msg) || contains(got, "Home186") {
		t.Errorf("error dialog shows %q", got)
	}
}

// A problem in a file of a .zip names the file once and the key once.
func TestImportSummaryNamesFileAndKeyOnce(t *testing.T) {
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	w, _ := z.Create("bad.conf")
	w.Write([]byte("[Interface]\nPrivateKey = abc\nAddress = 10.0.0.2/32\n"))
	z.Close()
	res := importer.Import("bundle.zip", b.Bytes())
	if len(res) != 1 || res[0].Err == nil {
		t.Fatalf("results %+v", res)
	}
	got := outcome{source: res[0].Source, err: res[0].Err}.String()
	if strings.Count(got, "bundle.zip:bad.conf") != 1 || strings.Count(got, "PrivateKey") != 1 || !strings.Contains(got, "line 2: PrivateKey must be") {
		t.Errorf("summary line %q", got)
	}
}
