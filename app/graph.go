package app

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

var (
	rxColor = color.NRGBA{0x2b, 0x7b, 0xd6, 0xff}
	txColor = color.NRGBA{0xe0, 0x8a, 0x1e, 0xff}
)

// graphPoints is how many points a graph spreads over its width, whatever
// the span: a minute at one a second, ten minutes at one per ten seconds.
const graphPoints = 60

// graphFloor is the smallest full scale, so that keepalives and handshakes
// (a few hundred bytes) stay a sliver instead of filling the graph.
const graphFloor = 10 << 10

// graph draws received throughput as an area above a centre line and sent
// throughput mirrored below it, both against one scale in bytes per
// second, with the scale on the left and the time along the bottom.
type graph struct {
	widget.BaseWidget
	rx, tx []float64 // averages, oldest first, the newest at the right edge
	tenMin bool      // the span is ten minutes, not one
}

func newGraph() *graph {
	g := &graph{}
	g.ExtendBaseWidget(g)
	return g
}

func (g *graph) set(rx, tx []float64, tenMin bool) {
	g.rx, g.tx, g.tenMin = rx, tx, tenMin
	g.Refresh()
}

// top is the full scale: the peak rounded up to 1, 2 or 5 of a binary
// unit, at least graphFloor.
func (g *graph) top() float64 {
	peak := float64(graphFloor)
	for _, v := range g.rx {
		peak = max(peak, v)
	}
	for _, v := range g.tx {
		peak = max(peak, v)
	}
	for unit := 1.0; unit < 1<<50; unit *= 1024 {
		for _, m := range []float64{1, 2, 5, 10, 20, 50, 100, 200, 500} {
			if peak <= m*unit {
				return m * unit
			}
		}
	}
	return peak
}

// scaleText is a full scale in binary units without decimals: "10 KiB/s".
func scaleText(v float64) string {
	units := []string{"B/s", "KiB/s", "MiB/s", "GiB/s", "TiB/s"}
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmt.Sprintf("%g %s", math.Round(v), units[i])
}

func (g *graph) CreateRenderer() fyne.WidgetRenderer {
	r := &graphRenderer{g: g}
	r.plot = canvas.NewRaster(r.draw)
	r.texts = make([]*canvas.Text, 6)
	for i := range r.texts {
		r.texts[i] = canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder))
		r.texts[i].TextSize = theme.CaptionTextSize()
	}
	r.yIn, r.yZero, r.yOut, r.xOld, r.xMid, r.xNow = r.texts[0], r.texts[1], r.texts[2], r.texts[3], r.texts[4], r.texts[5]
	r.Refresh()
	return r
}

type graphRenderer struct {
	g     *graph
	plot  *canvas.Raster
	texts []*canvas.Text

	yIn, yZero, yOut, xOld, xMid, xNow *canvas.Text
	scale                              float64
}

func (r *graphRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.plot}
	for _, t := range r.texts {
		objs = append(objs, t)
	}
	return objs
}

func (r *graphRenderer) Destroy() {}

func (r *graphRenderer) gutter() float32 {
	w := float32(0)
	for _, t := range []*canvas.Text{r.yIn, r.yZero, r.yOut} {
		w = max(w, t.MinSize().Width)
	}
	return w + theme.Padding()
}

func (r *graphRenderer) MinSize() fyne.Size {
	return fyne.NewSize(r.gutter()+160, 72+r.xNow.MinSize().Height)
}

func (r *graphRenderer) Layout(size fyne.Size) {
	gutter := r.gutter()
	axis := r.xNow.MinSize().Height
	plot := fyne.NewSize(size.Width-gutter, size.Height-axis)
	r.plot.Move(fyne.NewPos(gutter, 0))
	r.plot.Resize(plot)
	place := func(t *canvas.Text, x, y float32) {
		t.Resize(t.MinSize())
		t.Move(fyne.NewPos(x, y))
	}
	th := r.yIn.MinSize().Height
	right := func(t *canvas.Text) float32 { return gutter - theme.Padding() - t.MinSize().Width }
	place(r.yIn, right(r.yIn), 0)
	place(r.yZero, right(r.yZero), (plot.Height-th)/2)
	place(r.yOut, right(r.yOut), plot.Height-th)
	place(r.xOld, gutter, plot.Height)
	place(r.xMid, gutter+(plot.Width-r.xMid.MinSize().Width)/2, plot.Height)
	place(r.xNow, size.Width-r.xNow.MinSize().Width, plot.Height)
}

func (r *graphRenderer) Refresh() {
	r.scale = r.g.top()
	top := scaleText(r.scale)
	r.yIn.Text, r.yZero.Text, r.yOut.Text = top, "0", top
	if r.g.tenMin {
		r.xOld.Text, r.xMid.Text = lang.L("10 min ago"), lang.L("5 min ago")
	} else {
		r.xOld.Text, r.xMid.Text = lang.L("1 min ago"), lang.L("30 s ago")
	}
	r.xNow.Text = lang.L("now")
	for _, t := range r.texts {
		t.Color = theme.Color(theme.ColorNamePlaceHolder)
		t.Refresh()
	}
	r.Layout(r.g.Size())
	r.plot.Refresh()
}

// draw paints the plot w by h pixels: grid, then received above and sent
// below the centre line, each a translucent area under a solid edge.
func (r *graphRenderer) draw(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	if w < 2 || h < 4 {
		return img
	}
	mid := h / 2
	grid := color.NRGBA{0x80, 0x80, 0x80, 0x50}
	for x := range w {
		img.SetNRGBA(x, 0, grid)
		img.SetNRGBA(x, h-1, grid)
		img.SetNRGBA(x, mid, color.NRGBA{0x80, 0x80, 0x80, 0xa0})
	}
	r.area(img, r.g.rx, mid, -1, rxColor)
	r.area(img, r.g.tx, mid, +1, txColor)
	return img
}

// area fills the samples of vals from the centre line mid in direction dir
// (-1 up, +1 down) and draws its edge as a connected two-pixel line.
func (r *graphRenderer) area(img *image.NRGBA, vals []float64, mid, dir int, c color.NRGBA) {
	w, h := img.Bounds().Dx(), img.Bounds().Dy()
	room := mid - 1
	if dir > 0 {
		room = h - 2 - mid
	}
	fill := c
	fill.A = 0x60
	first := graphPoints - len(vals) // the slot of vals[0]
	prev := -1
	for x := range w {
		p := float64(x)*float64(graphPoints-1)/float64(w-1) - float64(first)
		if p < 0 || len(vals) == 0 {
			continue
		}
		i := min(int(p), len(vals)-1)
		v := vals[i]
		if i+1 < len(vals) {
			v += (vals[i+1] - v) * (p - float64(i))
		}
		edge := mid + dir*int(math.Round(min(v/r.scale, 1)*float64(room)))
		for y := mid; y != edge; y += dir {
			img.SetNRGBA(x, y, fill)
		}
		from, to := edge, edge
		if prev >= 0 {
			from, to = min(prev, edge), max(prev, edge)
		}
		for y := from; y <= to; y++ {
			img.SetNRGBA(x, y, c)
			img.SetNRGBA(x, y-dir, c)
		}
		prev = edge
	}
}
