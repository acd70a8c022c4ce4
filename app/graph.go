package app

import (
	"image"
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/widget"
)

var (
	rxColor = color.NRGBA{0x2b, 0x7b, 0xd6, 0xff}
	txColor = color.NRGBA{0xe0, 0x8a, 0x1e, 0xff}
)

// graph draws received (blue, filled) and sent (orange line) throughput of
// the last minute, scaled to the largest sample.
type graph struct {
	widget.BaseWidget
	rx, tx []float64
	raster *canvas.Raster
}

func newGraph() *graph {
	g := &graph{}
	g.raster = canvas.NewRaster(g.draw)
	g.ExtendBaseWidget(g)
	return g
}

func (g *graph) set(rx, tx []float64) {
	g.rx, g.tx = rx, tx
	g.raster.Refresh()
}

func (g *graph) CreateRenderer() fyne.WidgetRenderer {
	return widget.NewSimpleRenderer(g.raster)
}

func (g *graph) MinSize() fyne.Size { return fyne.NewSize(240, 48) }

func (g *graph) draw(w, h int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	if w < 2 || h < 2 {
		return img
	}
	peak := 1.0
	for _, v := range append(append([]float64(nil), g.rx...), g.tx...) {
		peak = max(peak, v)
	}
	// x maps column to the sample it shows; samples fill the right edge.
	at := func(vals []float64, x int) (float64, bool) {
		i := len(vals) - historyLen + x*historyLen/w
		if i < 0 || i >= len(vals) {
			return 0, false
		}
		return vals[i], true
	}
	y := func(v float64) int { return h - 1 - int(v/peak*float64(h-2)) }
	fill := rxColor
	fill.A = 0x90
	for x := range w {
		img.SetNRGBA(x, h-1, color.NRGBA{0x80, 0x80, 0x80, 0x80})
		if v, ok := at(g.rx, x); ok {
			for yy := y(v); yy < h-1; yy++ {
				img.SetNRGBA(x, yy, fill)
			}
		}
		if v, ok := at(g.tx, x); ok {
			img.SetNRGBA(x, y(v), txColor)
			img.SetNRGBA(x, max(y(v)-1, 0), txColor)
		}
	}
	return img
}
