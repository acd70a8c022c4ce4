// Package assets holds wgtray's icons. They are drawn in code (a shield on a
// rounded square) so that every size is sharp and no binary is edited by
// hand; icon.png, which packaging and `fyne package` use, is written by
// `go generate` from the same drawing.
package assets

//go:generate go run ./gen -o icon.png

import (
	"bytes"
	_ "embed"
	"image"
	"image/color"
	"image/png"

	"golang.org/x/image/vector"
)

// PackageIconSize is the size of icon.png, what desktop packaging wants.
const PackageIconSize = 512

// State is what the tray icon shows.
type State int

const (
	Idle       State = iota // no tunnel is up
	Up                      // a tunnel is up with a fresh handshake and none failed
	Error                   // a tunnel failed, or the service cannot be reached
	Connecting              // a tunnel is starting
	Stale                   // a tunnel is up but has had no handshake for minutes
	Lockdown                // the kill switch blocks everything and no tunnel is up
)

// States lists every State, for code that draws or checks them all.
var States = []State{Idle, Up, Error, Connecting, Stale, Lockdown}

var (
	background = color.NRGBA{0x1f, 0x3a, 0x5f, 0xff}
	white      = color.NRGBA{0xff, 0xff, 0xff, 0xff}
	grey       = color.NRGBA{0x8a, 0x8f, 0x98, 0xff}
	green      = color.NRGBA{0x2e, 0xa0, 0x43, 0xff}
	red        = color.NRGBA{0xd0, 0x34, 0x2c, 0xff}
	amber      = color.NRGBA{0xe0, 0x9a, 0x1a, 0xff}
)

// AppIcon draws the application icon: a white shield on a blue rounded
// square, size pixels wide and high.
func AppIcon(size int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	s := float32(size)
	fill(img, background, roundedSquare(s, 0.04*s, 0.2*s))
	fill(img, white, shield(s, 0.2*s))
	fill(img, background, keyhole(s))
	return img
}

// TrayIcon draws the tray icon for a state: a grey outline when nothing is
// up, a grey outline filled amber while connecting, a green shield when a
// tunnel is up, an amber one with an exclamation mark when its handshake is
// stale, a red one with an exclamation mark after a failure, and a dark
// blue one with a keyhole while the kill switch blocks everything.
func TrayIcon(state State, size int) image.Image {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	s := float32(size)
	switch state {
	case Up:
		fill(img, green, shield(s, 0.04*s))
		fill(img, white, keyhole(s))
	case Error:
		fill(img, red, shield(s, 0.04*s))
		fill(img, white, exclamation(s))
	case Connecting:
		fill(img, grey, shield(s, 0.04*s))
		fill(img, amber, shield(s, 0.16*s))
	case Stale:
		fill(img, amber, shield(s, 0.04*s))
		fill(img, white, exclamation(s))
	case Lockdown:
		fill(img, background, shield(s, 0.04*s))
		fill(img, white, keyhole(s))
	default:
		fill(img, grey, shield(s, 0.04*s))
		fill(img, white, shield(s, 0.16*s))
	}
	return img
}

// PNG encodes an icon; encoding an in-memory NRGBA image cannot fail.
func PNG(img image.Image) []byte {
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		panic(err)
	}
	return buf.Bytes()
}

// path is a closed outline in pixel coordinates.
type path func(z *vector.Rasterizer)

func fill(dst *image.NRGBA, c color.NRGBA, p path) {
	b := dst.Bounds()
	z := vector.NewRasterizer(b.Dx(), b.Dy())
	p(z)
	z.Draw(dst, b, image.NewUniform(c), image.Point{})
}

func roundedSquare(s, inset, r float32) path {
	return func(z *vector.Rasterizer) {
		lo, hi := inset, s-inset
		z.MoveTo(lo+r, lo)
		z.LineTo(hi-r, lo)
		z.QuadTo(hi, lo, hi, lo+r)
		z.LineTo(hi, hi-r)
		z.QuadTo(hi, hi, hi-r, hi)
		z.LineTo(lo+r, hi)
		z.QuadTo(lo, hi, lo, hi-r)
		z.LineTo(lo, lo+r)
		z.QuadTo(lo, lo, lo+r, lo)
		z.ClosePath()
	}
}

// shield is a heater shield inset by margin from every side of an s square.
func shield(s, margin float32) path {
	return func(z *vector.Rasterizer) {
		l, r := margin+0.06*s, s-margin-0.06*s
		top, bottom := margin, s-margin
		mid := s / 2
		z.MoveTo(mid, top)
		z.QuadTo((mid+r)/2, top+0.08*s, r, top+0.08*s)
		z.LineTo(r, top+0.38*(bottom-top))
		z.CubeTo(r, bottom-0.25*(bottom-top), mid+0.15*s, bottom-0.06*(bottom-top), mid, bottom)
		z.CubeTo(mid-0.15*s, bottom-0.06*(bottom-top), l, bottom-0.25*(bottom-top), l, top+0.38*(bottom-top))
		z.LineTo(l, top+0.08*s)
		z.QuadTo((mid+l)/2, top+0.08*s, mid, top)
		z.ClosePath()
	}
}

// keyhole is a circle over a trapezoid in the middle of the shield.
func keyhole(s float32) path {
	return func(z *vector.Rasterizer) {
		circle(z, s/2, 0.42*s, 0.1*s)
		z.MoveTo(0.46*s, 0.45*s)
		z.LineTo(0.54*s, 0.45*s)
		z.LineTo(0.57*s, 0.68*s)
		z.LineTo(0.43*s, 0.68*s)
		z.ClosePath()
	}
}

func exclamation(s float32) path {
	return func(z *vector.Rasterizer) {
		z.MoveTo(0.44*s, 0.22*s)
		z.LineTo(0.56*s, 0.22*s)
		z.LineTo(0.53*s, 0.58*s)
		z.LineTo(0.47*s, 0.58*s)
		z.ClosePath()
		circle(z, s/2, 0.7*s, 0.065*s)
	}
}

// circle approximates a circle with four cubic Béziers.
func circle(z *vector.Rasterizer, cx, cy, r float32) {
	const k = 0.5523 // control-point distance for a quarter circle
	z.MoveTo(cx+r, cy)
	z.CubeTo(cx+r, cy+k*r, cx+k*r, cy+r, cx, cy+r)
	z.CubeTo(cx-k*r, cy+r, cx-r, cy+k*r, cx-r, cy)
	z.CubeTo(cx-r, cy-k*r, cx-k*r, cy-r, cx, cy-r)
	z.CubeTo(cx+k*r, cy-r, cx+r, cy-k*r, cx+r, cy)
	z.ClosePath()
}

// IconPNG is icon.png, the application icon at PackageIconSize, as `go
// generate` wrote it: programs that show it at start take it from here
// instead of drawing it.
//
//go:embed icon.png
var IconPNG []byte
