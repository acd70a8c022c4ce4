package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/service/api"
)

func TestLongLogLinesWrapInsteadOfEndingInAnEllipsis(t *testing.T) {
	long := "peer handshake did not complete " + strings.Repeat("0123456789", 30) + " END"
	svc := newFakeService()
	svc.logs = []api.LogEntry{
		{Time: epoch, Level: "INFO", Message: "short"},
		{Time: epoch, Level: "WARN", Message: long},
	}
	h := newHarness(t, svc)
	h.ready()
	h.app.ui.tabs.Select(h.app.ui.logsTab)
	h.waitFor("the log lines", func() bool { return len(h.app.ui.logs.lines) == 2 })
	h.settle()
	list := h.app.ui.logs.list
	var shown []string
	var widest float32
	walkVisible(list, func(o fyne.CanvasObject) {
		if txt, ok := o.(*canvas.Text); ok {
			shown = append(shown, txt.Text)
			widest = max(widest, txt.Size().Width)
		}
	})
	all := strings.Join(shown, "")
	if strings.Contains(all, "…") || !strings.HasSuffix(strings.TrimSpace(all), "END") {
		t.Errorf("the long line is not shown whole: %q", shown)
	}
	walkVisible(list, func(o fyne.CanvasObject) {
		if l, ok := o.(*widget.Label); ok && strings.HasSuffix(l.Text, "END") && l.Size().Height < l.MinSize().Height {
			t.Errorf("the long line needs %v of height and has %v", l.MinSize().Height, l.Size().Height)
		}
	})
	if widest > list.Size().Width {
		t.Errorf("a row is %v wide in a list %v wide", widest, list.Size().Width)
	}
}

// The service stores the parsed config, so the editor says that the
// user's key order and comments do not survive a save.
func TestEditorSaysItKeepsNeitherKeyOrderNorComments(t *testing.T) {
	svc := newFakeService()
	svc.add("home", config(t, "10.5.0.2/32", "192.0.2.5:51820"), api.StateDown)
	h := newHarness(t, svc)
	h.ready()
	test.Tap(h.app.ui.details.edit)
	h.waitFor("the editor", func() bool { return h.app.editor != nil })
	if got := texts(h.app.editor.win.Content()); !contains(got, "comments (#) are dropped") {
		t.Errorf("the editor does not say that comments are dropped: %q", got)
	}
}

// A name that another import or rename holds, and the list does not show
// yet, is not called another user's tunnel: the question says it is being
// created, offers another name, and nothing can be replaced.
func TestImportOfANameBeingCreatedOffersAnotherName(t *testing.T) {
	svc := newFakeService()
	svc.held = []string{"office"}
	h := newHarness(t, svc)
	h.ready()
	conf := filepath.Join(t.TempDir(), "office.conf")
	if err := os.WriteFile(conf, []byte(config(t, "10.1.0.3/32", "192.0.2.1:51820").String()), 0o600); err != nil {
		t.Fatal(err)
	}
	h.app.ImportPaths([]string{conf})
	h.waitFor("the question", func() bool { return contains(h.overlayTexts(), "office is being created right now") })
	if text := strings.Join(h.overlayTexts(), "\n"); strings.Contains(text, "another user's") {
		t.Errorf("question: %q", text)
	}
	if replace := h.overlayButtons()["Replace…"]; replace == nil || !replace.Disabled() {
		t.Errorf("Replace can be tapped for a name no tunnel has yet")
	}
	test.Tap(h.overlayButtons()["Import as new name"])
	h.waitFor("import office-2", h.called("import office-2"))
}

// A file whose tunnel name is taken offers to import it under a free
// name (prefilled, validated) or to replace the user's own tunnel of that
// name after a confirmation, and refuses to replace another user's.
func TestDuplicateImportOffersRenameOrReplace(t *testing.T) {
	for _, c := range []struct {
		name    string
		theirs  bool
		typed   string // "" keeps the offered name
		tap     []string
		want    string // call to the service
		summary string // in the summary; "" for a notification
		stored  string // the tunnel that has the imported config
	}{
		{name: "rename", tap: []string{"Import as new name"}, want: "import office-2", stored: "office-2"},
		{name: "rename typed", typed: "work", tap: []string{"Import as new name"}, want: "import work", stored: "work"},
		{name: "replace", tap: []string{"Replace…", "Replace"}, want: "update office", stored: "office"},
		{name: "replace cancelled", tap: []string{"Replace…", "Cancel", "Skip"}, summary: "exists already"},
		{name: "another user's", theirs: true, tap: []string{"Skip"}, summary: "exists already"},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc := newFakeService()
			svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
			svc.tunnels["office"].Mine = !c.theirs
			imported := config(t, "10.1.0.3/32", "192.0.2.1:51820")
			h := newHarness(t, svc)
			h.ready()
			conf := filepath.Join(t.TempDir(), "office.conf")
			if err := os.WriteFile(conf, []byte(imported.String()), 0o600); err != nil {
				t.Fatal(err)
			}
			h.app.ImportPaths([]string{conf})
			h.waitFor("the question", func() bool { return contains(h.overlayTexts(), "office exists already") })
			text := strings.Join(h.overlayTexts(), "\n")
			if c.theirs != strings.Contains(text, "another user's: it cannot be replaced") {
				t.Errorf("question: %q", text)
			}
			var entry *widget.Entry
			walkVisible(h.app.Window().Canvas().Overlays().Top(), func(o fyne.CanvasObject) {
				if e, ok := o.(*widget.Entry); ok {
					entry = e
				}
			})
			if entry == nil || entry.Text != "office-2" {
				t.Fatalf("the offered name is not office-2: %v", entry)
			}
			for _, bad := range []string{"Office", "no spaces", ""} {
				entry.SetText(bad)
				if !h.overlayButtons()["Import as new name"].Disabled() {
					t.Errorf("a new name %q can be imported", bad)
				}
			}
			entry.SetText("office-2")
			if c.typed != "" {
				entry.SetText(c.typed)
			}
			if got := h.overlayButtons()["Replace…"].Disabled(); got != c.theirs {
				t.Errorf("Replace disabled %v for another user's tunnel %v", got, c.theirs)
			}
			for _, b := range c.tap {
				button := h.overlayButtons()[b]
				if button == nil || button.Disabled() {
					t.Fatalf("no button %q to tap: %q", b, h.overlayTexts())
				}
				test.Tap(button)
				h.settle()
			}
			if c.want != "" {
				h.waitFor(c.want, h.called(c.want))
			}
			for _, call := range svc.Calls() {
				if (strings.HasPrefix(call, "update") || strings.HasPrefix(call, "import ")) && call != c.want && call != "import office" {
					t.Errorf("unexpected call %q", call)
				}
			}
			if c.summary != "" {
				h.waitFor("the summary", func() bool { return contains(h.overlayTexts(), c.summary) })
			} else {
				h.waitFor("the notification", func() bool { return h.fy.sent.Load() > 0 })
			}
			for name, tun := range svc.tunnels {
				if got := tun.cfg.String() == imported.String(); got != (name == c.stored) {
					t.Errorf("%s has the imported config: %v", name, got)
				}
			}
		})
	}
}
