package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/service/api"
)

// logLines is how many lines of the service log the view keeps.
const logLines = 2000

// logView shows the service log and follows it while the Log tab shows.
type logView struct {
	a       *App
	content fyne.CanvasObject
	list    *widget.List
	copy    *widget.Button
	lines   []string
	cancel  context.CancelFunc

	mu      sync.Mutex
	pending []string // received, not yet shown
}

func newLogView(a *App) *logView {
	v := &logView{a: a}
	v.list = widget.NewList(
		func() int { return len(v.lines) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.TextStyle.Monospace = true
			l.Truncation = fyne.TextTruncateEllipsis
			l.Selectable = true
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(v.lines) {
				o.(*widget.Label).SetText(v.lines[id])
			}
		})
	// A line longer than the window ends in "…" in the list: Copy log
	// gives every line whole, for a bug report.
	v.copy = widget.NewButtonWithIcon(lang.L("Copy log"), theme.ContentCopyIcon(), func() {
		a.fy.Clipboard().SetContent(strings.Join(v.lines, "\n") + "\n")
	})
	v.content = container.NewBorder(container.NewHBox(layout.NewSpacer(), v.copy), nil, nil, nil, v.list)
	return v
}

// follow starts streaming the log; the stream restarts from the ring
// buffer, so the lines are replaced.
func (v *logView) follow() {
	if v.cancel != nil {
		return
	}
	ctx, cancel := context.WithCancel(v.a.ctx)
	v.cancel = cancel
	v.lines = v.lines[:0]
	v.mu.Lock()
	v.pending = nil
	v.mu.Unlock()
	v.list.Refresh()
	v.a.async(func(context.Context) error {
		return v.a.svc.FollowLogs(ctx, func(e api.LogEntry) {
			v.mu.Lock()
			v.pending = append(v.pending, formatLogEntry(e))
			first := len(v.pending) == 1
			v.mu.Unlock()
			if first {
				v.a.opts.Do(v.flush)
			}
		})
	}, func(error) {
		if ctx.Err() != nil {
			return // stopped on purpose
		}
		v.flush()
		v.add(lang.L("— the log stream ended; switch tabs to follow it again —"))
		v.stop()
	})
}

func (v *logView) stop() {
	if v.cancel != nil {
		v.cancel()
		v.cancel = nil
	}
}

// flush shows the lines received since the last flush, in one refresh.
func (v *logView) flush() {
	v.mu.Lock()
	lines := v.pending
	v.pending = nil
	v.mu.Unlock()
	if len(lines) > 0 {
		v.add(lines...)
	}
}

func (v *logView) add(lines ...string) {
	v.lines = append(v.lines, lines...)
	if len(v.lines) > logLines {
		v.lines = slices.Delete(v.lines, 0, len(v.lines)-logLines)
	}
	v.list.Refresh()
	v.list.ScrollToBottom()
}

func formatLogEntry(e api.LogEntry) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %-5s %s", e.Time.Local().Format("15:04:05"), e.Level, e.Message)
	keys := make([]string, 0, len(e.Attrs))
	for k := range e.Attrs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fmt.Fprintf(&b, " %s=%s", k, e.Attrs[k])
	}
	return b.String()
}
