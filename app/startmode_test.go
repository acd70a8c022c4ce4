package app

import (
	"slices"
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/service/api"
)

// tapDialogButton taps the button labelled text in the topmost dialog.
func (h *harness) tapDialogButton(text string) {
	h.t.Helper()
	var found *widget.Button
	var walk func(fyne.CanvasObject)
	walk = func(o fyne.CanvasObject) {
		if o == nil || !o.Visible() || found != nil {
			return
		}
		if b, ok := o.(*widget.Button); ok && b.Text == text {
			found = b
			return
		}
		if c, ok := o.(*fyne.Container); ok {
			for _, child := range c.Objects {
				walk(child)
			}
		} else if w, ok := o.(fyne.Widget); ok {
			for _, child := range test.WidgetRenderer(w).Objects() {
				walk(child)
			}
		}
	}
	walk(h.app.Window().Canvas().Overlays().Top())
	if found == nil {
		h.t.Fatalf("no button %q in the dialog %q", text, h.overlayTexts())
	}
	test.Tap(found)
}

func TestStartAtBootAsksFirstAndSaysTheKeyIsGivenToThisMachine(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
	h := newHarness(t, svc)
	h.ready()
	start := h.app.ui.details.start
	if start.Selected != "Starts manually" {
		t.Fatalf("the details show %q for a tunnel the service starts manually", start.Selected)
	}
	start.SetSelected("Starts at boot")
	if got := strings.Join(h.overlayTexts(), " "); !strings.Contains(got, "The key is given to this machine") {
		t.Fatalf("no confirmation that says what boot means: %q", got)
	}
	h.tapDialogButton("No")
	h.settle()
	if calls := svc.Calls(); len(calls) != 0 || start.Selected != "Starts manually" {
		t.Fatalf("after No: calls %q, menu %q; want none and manual again", calls, start.Selected)
	}
	start.SetSelected("Starts at boot")
	h.tapDialogButton("Yes")
	h.waitFor("start office boot", h.called("start office boot"))
	h.waitFor("the service's answer", func() bool { return h.app.tunnels["office"].Start == api.StartBoot })

	start.SetSelected("Starts at login")
	h.waitFor("start office login", h.called("start office login"))
	if n := len(svc.Calls()); n != 2 {
		t.Errorf("calls %q: login asked for a confirmation or went twice", svc.Calls())
	}
}

func TestLoginTunnelsComeUpWhenTheAppConnects(t *testing.T) {
	svc := newFakeService()
	svc.add("office", config(t, "10.1.0.2/32", "192.0.2.1:51820"), api.StateDown)
	svc.add("lab", config(t, "10.9.0.2/32", "192.0.2.9:51820"), api.StateDown)
	svc.tunnels["office"].Start = api.StartLogin
	h := newHarness(t, svc)
	h.ready()
	h.waitFor("office up", func() bool { return h.app.tunnels["office"].State == api.StateUp })
	if slices.Contains(svc.Calls(), "up lab") {
		t.Error("a tunnel that starts manually came up")
	}
}
