package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// fieldsLayout puts label and value pairs in rows, the labels in a column
// as wide as the widest of labels, which every fields section of a view
// shares so that their columns line up.
type fieldsLayout struct {
	labels *[]*widget.Label
}

func (l *fieldsLayout) labelWidth() float32 {
	w := float32(0)
	for _, label := range *l.labels {
		w = max(w, label.MinSize().Width)
	}
	return w
}

func (l *fieldsLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	values, height := float32(0), float32(0)
	for i := 0; i+1 < len(objs); i += 2 {
		label, value := objs[i].MinSize(), objs[i+1].MinSize()
		values = max(values, value.Width)
		if i > 0 {
			height += theme.Padding()
		}
		height += max(label.Height, value.Height)
	}
	return fyne.NewSize(l.labelWidth()+theme.Padding()+values, height)
}

func (l *fieldsLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	lw := l.labelWidth()
	y := float32(0)
	for i := 0; i+1 < len(objs); i += 2 {
		label, value := objs[i], objs[i+1]
		h := max(label.MinSize().Height, value.MinSize().Height)
		label.Move(fyne.NewPos(0, y))
		label.Resize(fyne.NewSize(lw, h))
		value.Move(fyne.NewPos(lw+theme.Padding(), y))
		value.Resize(fyne.NewSize(size.Width-lw-theme.Padding(), h))
		y += h + theme.Padding()
	}
}

// bodyLayout stacks the interface, the peers' scroll and the traffic graph:
// the interface at its height, the peers at theirs while the graph keeps
// its minimum (scrolling beyond), and the graph takes what is left.
type bodyLayout struct {
	peers fyne.CanvasObject // the content of the peers' scroll
}

// peersAtLeast is the height the peers keep in a small window: a few rows.
const peersAtLeast = 120

func (l *bodyLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	iface, traffic := objs[0].MinSize(), objs[2].MinSize()
	peers := l.peers.MinSize()
	w := max(iface.Width, peers.Width+theme.ScrollBarSize(), traffic.Width)
	return fyne.NewSize(w, iface.Height+min(peers.Height, peersAtLeast)+traffic.Height+2*theme.Padding())
}

func (l *bodyLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	iface, scroll, traffic := objs[0], objs[1], objs[2]
	pad := theme.Padding()
	ih := iface.MinSize().Height
	want := l.peers.MinSize().Height
	left := size.Height - ih - 2*pad
	ph := min(want, max(left-traffic.MinSize().Height, min(want, peersAtLeast)))
	iface.Move(fyne.NewPos(0, 0))
	iface.Resize(fyne.NewSize(size.Width, ih))
	scroll.Move(fyne.NewPos(0, ih+pad))
	scroll.Resize(fyne.NewSize(size.Width, ph))
	traffic.Move(fyne.NewPos(0, ih+pad+ph+pad))
	traffic.Resize(fyne.NewSize(size.Width, max(left-ph, 0)))
}

// compactTheme halves the inner padding, so the rows of the details sit
// closer together than the theme's form rows.
type compactTheme struct{ fyne.Theme }

func (t compactTheme) Size(n fyne.ThemeSizeName) float32 {
	if n == theme.SizeNameInnerPadding {
		return t.Theme.Size(n) / 2
	}
	return t.Theme.Size(n)
}
