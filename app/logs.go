package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

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

// maxHeightChanges is how many lines may change their height in the
// shown log list; more go to a new list.
const maxHeightChanges = 20

// logView shows the service log and follows it while the Log tab shows.
type logView struct {
	a       *App
	content fyne.CanvasObject
	list    *widget.List
	box     *fyne.Container // holds list
	copy    *widget.Button
	lines   []string
	heights []float32 // by line number, as set in list; 0 for one row
	width   float32   // of list when heights were set
	cancel  context.CancelFunc

	mu      sync.Mutex
	pending []string // received, not yet shown
}

func newLogView(a *App) *logView {
	v := &logView{a: a}
	v.list = v.newList()
	// Copy log gives every line, for a bug report.
	v.copy = widget.NewButtonWithIcon(lang.L("Copy log"), theme.ContentCopyIcon(), func() {
		a.fy.Clipboard().SetContent(strings.Join(v.lines, "\n") + "\n")
	})
	v.box = container.New(wrapLayout{v}, v.list)
	v.content = container.NewBorder(container.NewHBox(layout.NewSpacer(), v.copy), nil, nil, nil, v.box)
	return v
}

func (v *logView) newList() *widget.List {
	return widget.NewList(
		func() int { return len(v.lines) },
		func() fyne.CanvasObject {
			l := widget.NewLabel("")
			l.TextStyle.Monospace = true
			l.Wrapping = fyne.TextWrapBreak
			l.Selectable = true
			return l
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(v.lines) {
				o.(*widget.Label).SetText(v.lines[id])
			}
		})
}

// wrapLayout gives the list its room and, when its width changes, the
// rows that long lines wrap into.
type wrapLayout struct{ v *logView }

func (l wrapLayout) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	if size.Width != l.v.width {
		l.v.width = size.Width
		l.v.fit()
	}
	l.v.list.Resize(size)
}

func (l wrapLayout) MinSize(objects []fyne.CanvasObject) fyne.Size { return objects[0].MinSize() }

// fit sets the height of every line that wraps at the list's width, and
// resets lines that no longer do. The text is monospaced, so a line's
// rows follow from its length without laying it out: fast enough for
// every line on every flush. Each height set on a shown list relays it
// out, so when many change (a resize) fit sets them on a new list before
// it shows, and the view then follows the end of the log again.
func (v *logView) fit() {
	mono := fyne.TextStyle{Monospace: true}
	size := theme.TextSize()
	char := fyne.MeasureText("M", size, mono)
	pad := theme.InnerPadding()
	perRow := int((v.width - 2*pad - theme.ScrollBarSize()) / char.Width)
	if perRow < 1 {
		return
	}
	if n := len(v.lines) - len(v.heights); n > 0 {
		v.heights = append(v.heights, make([]float32, n)...)
	}
	row := char.Height + theme.LineSpacing()
	want := make([]float32, len(v.lines))
	changed := 0
	for id, line := range v.lines {
		if rows := (utf8.RuneCountInString(line) + perRow - 1) / perRow; rows > 1 {
			want[id] = char.Height + 2*pad + float32(rows-1)*row
		}
		if want[id] != v.heights[id] {
			changed++
		}
	}
	if changed > maxHeightChanges {
		v.list = v.newList()
		v.heights = make([]float32, len(v.lines))
		v.box.Objects[0] = v.list
		defer func() {
			v.box.Refresh()
			v.list.ScrollToBottom()
		}()
	}
	for id, h := range want {
		if h != v.heights[id] {
			v.heights[id] = h
			if h == 0 {
				h = char.Height + 2*pad
			}
			v.list.SetItemHeight(id, h)
		}
	}
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
	v.fit()
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
	v.fit()
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
