package app

import (
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
