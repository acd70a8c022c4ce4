package importer

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/gif"  // QR images: GIF
	_ "image/jpeg" // QR images: JPEG, as phones take photos
	_ "image/png"  // QR images: PNG, as qrencode writes them
	"time"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"golang.org/x/image/draw"
)

// Image limits. A phone photo is at most a few tens of megapixels; more
// than maxImagePixels is refused before a pixel is decoded, so a small file
// that claims a huge size (a decompression bomb) costs nothing.
const (
	maxImagePixels = 25_000_000
	// maxDecodeSide bounds the work per attempt: larger images are scaled
	// down to it, which still leaves several pixels per QR module.
	maxDecodeSide = 2000
	// upscaleBelow: gozxing needs about 3 pixels per module, so an image
	// whose long side is below this is also tried enlarged 2 and 3 times.
	upscaleBelow = 1000
	// minDecodeSide: smaller than this, no QR code holding a config is
	// readable, so an image is not scaled down below it.
	minDecodeSide = 100
	// qrBudget stops trying further strategies on a slow or busy machine
	// (one attempt in flight is allowed to finish). The work itself is
	// bounded by the image caps and the dozen strategies: at most a few
	// seconds for a large photo with no code in it.
	qrBudget = 20 * time.Second
)

// errNoQR is what DecodeQR returns when no strategy finds a code.
var errNoQR = errors.New("no QR code found in the image; crop it to the code, " +
	"take the photo straight on with the whole code sharp and evenly lit, or import the .conf file instead")

// DecodeQR finds a QR code in a PNG, JPEG or GIF image and returns the
// text it holds. It tries the image as it is, then resampled at other
// scales, with another binarizer and inverted (a light code on a dark
// screen), within a bounded time.
func DecodeQR(data []byte) (string, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("not a readable PNG, JPEG or GIF image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return "", fmt.Errorf("the %s image is empty (%d×%d pixels)", format, cfg.Width, cfg.Height)
	}
	if int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
		return "", fmt.Errorf("the %s image is %d×%d pixels, more than the %d megapixels allowed; crop it to the QR code",
			format, cfg.Width, cfg.Height, maxImagePixels/1_000_000)
	}
	img, _, err := image.Decode(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("the %s image is damaged: %w", format, err)
	}
	gray := luminance(img)

	deadline := time.Now().Add(qrBudget)
	for _, try := range qrStrategies(gray) {
		if time.Now().After(deadline) {
			break
		}
		if text, ok := try(); ok {
			return text, nil
		}
	}
	return "", errNoQR
}

// luminance flattens img onto white (transparent PNGs) as 8-bit gray, scaled
// down to at most maxDecodeSide on its long side.
func luminance(img image.Image) *image.Gray {
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	if long := max(w, h); long > maxDecodeSide {
		w = max(1, w*maxDecodeSide/long)
		h = max(1, h*maxDecodeSide/long)
	}
	gray := image.NewGray(image.Rect(0, 0, w, h))
	if w == b.Dx() && h == b.Dy() {
		switch src := img.(type) {
		case *image.Gray:
			copyRows(gray, src.Pix[src.PixOffset(b.Min.X, b.Min.Y):], src.Stride)
			return gray
		case *image.YCbCr: // JPEG: its Y plane is the luminance
			copyRows(gray, src.Y[src.YOffset(b.Min.X, b.Min.Y):], src.YStride)
			return gray
		}
	}
	draw.Draw(gray, gray.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(gray, gray.Bounds(), img, b.Min, draw.Over)
	} else {
		draw.ApproxBiLinear.Scale(gray, gray.Bounds(), img, b, draw.Over, nil)
	}
	return gray
}

// copyRows copies dst's height in rows of dst's width from pix.
func copyRows(dst *image.Gray, pix []byte, stride int) {
	w := dst.Rect.Dx()
	for y := range dst.Rect.Dy() {
		copy(dst.Pix[y*dst.Stride:y*dst.Stride+w], pix[y*stride:])
	}
}

// qrStrategies lists the attempts in the order they are tried: the cheap
// ones that read clean images first, the slower ones for photos after.
//
// Resampling matters beyond the pixels per module: gozxing estimates the
// code's size from its finder patterns, and in a rotated, noisy photo of a
// large code that estimate can be a module off at one scale and right at
// another, so the ladder goes up and down as well.
func qrStrategies(gray *image.Gray) []func() (string, bool) {
	hybrid := func(s gozxing.LuminanceSource) gozxing.Binarizer { return gozxing.NewHybridBinarizer(s) }
	global := func(s gozxing.LuminanceSource) gozxing.Binarizer { return gozxing.NewGlobalHistgramBinarizer(s) }
	attempt := func(img func() *image.Gray, bin func(gozxing.LuminanceSource) gozxing.Binarizer, invert bool, hints ...gozxing.DecodeHintType) func() (string, bool) {
		return func() (string, bool) { return readQR(img(), bin, invert, hints...) }
	}
	same := func() *image.Gray { return gray }
	tries := []func() (string, bool){
		attempt(same, hybrid, false),
		attempt(same, hybrid, false, gozxing.DecodeHintType_PURE_BARCODE),
		attempt(same, hybrid, false, gozxing.DecodeHintType_TRY_HARDER),
	}
	long := max(gray.Bounds().Dx(), gray.Bounds().Dy())
	for _, factor := range []float64{2, 3, 1.5, 1.25, 0.75, 0.5} {
		size := int(float64(long) * factor)
		if size > maxDecodeSide || size < minDecodeSide || (factor > 1.5 && long >= upscaleBelow) {
			continue
		}
		scaled := func() *image.Gray { return scale(gray, factor) }
		tries = append(tries, attempt(scaled, hybrid, false, gozxing.DecodeHintType_TRY_HARDER))
		if factor == 2 {
			tries = append(tries, attempt(scaled, global, false, gozxing.DecodeHintType_TRY_HARDER))
		}
	}
	return append(tries,
		attempt(same, global, false, gozxing.DecodeHintType_TRY_HARDER),
		attempt(same, hybrid, true, gozxing.DecodeHintType_TRY_HARDER))
}

// scale resizes gray by factor with bilinear interpolation, which keeps the
// module edges of a blurred photo where nearest-neighbour would add steps.
func scale(gray *image.Gray, factor float64) *image.Gray {
	b := gray.Bounds()
	dst := image.NewGray(image.Rect(0, 0, int(float64(b.Dx())*factor), int(float64(b.Dy())*factor)))
	draw.BiLinear.Scale(dst, dst.Bounds(), gray, b, draw.Src, nil)
	return dst
}

// readQR runs gozxing's QR reader once. The decoder is third-party code fed
// untrusted images, so a panic in it counts as "not found" rather than
// taking the caller (the service) down.
func readQR(gray *image.Gray, binarizer func(gozxing.LuminanceSource) gozxing.Binarizer, invert bool, flags ...gozxing.DecodeHintType) (text string, ok bool) {
	defer func() {
		if recover() != nil {
			text, ok = "", false
		}
	}()
	b := gray.Bounds()
	src, err := gozxing.NewPlanarYUVLuminanceSource(gray.Pix, gray.Stride, b.Dy(), 0, 0, b.Dx(), b.Dy(), false)
	if err != nil {
		return "", false
	}
	if invert {
		src = src.Invert()
	}
	bitmap, err := gozxing.NewBinaryBitmap(binarizer(src))
	if err != nil {
		return "", false
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_CHARACTER_SET: "UTF-8"}
	for _, f := range flags {
		hints[f] = true
	}
	result, err := qrcode.NewQRCodeReader().Decode(bitmap, hints)
	if err != nil {
		return "", false
	}
	return result.GetText(), true
}
