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
	_ "golang.org/x/image/webp" // QR images: WebP, as browsers save them
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
	// whose long side is below this is also tried enlarged.
	upscaleBelow = 1000
	// qrBudget bounds the time spent trying further strategies; one attempt
	// in flight is allowed to finish.
	qrBudget = 5 * time.Second
)

// errNoQR is what DecodeQR returns when no strategy finds a code.
var errNoQR = errors.New("no QR code found in the image; crop it to the code, " +
	"take the photo straight on with the whole code sharp and evenly lit, or import the .conf file instead")

// DecodeQR finds a QR code in a PNG, JPEG, GIF or WebP image and returns the
// text it holds. It tries the image as it is, then enlarged, with other
// binarization and inverted (a light code on a dark screen), within a
// bounded time.
func DecodeQR(data []byte) (string, error) {
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return "", fmt.Errorf("not a readable PNG, JPEG, GIF or WebP image: %w", err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > maxImagePixels {
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
	draw.Draw(gray, gray.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	if w == b.Dx() && h == b.Dy() {
		draw.Draw(gray, gray.Bounds(), img, b.Min, draw.Over)
	} else {
		draw.ApproxBiLinear.Scale(gray, gray.Bounds(), img, b, draw.Over, nil)
	}
	return gray
}

// qrStrategies lists the attempts in the order they are tried: the cheap
// ones that read clean images first, the slower ones for photos after.
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
	if long := max(gray.Bounds().Dx(), gray.Bounds().Dy()); long < upscaleBelow {
		for _, factor := range []int{2, 3} {
			if long*factor > maxDecodeSide {
				break
			}
			enlarged := func() *image.Gray { return scale(gray, factor) }
			tries = append(tries,
				attempt(enlarged, hybrid, false, gozxing.DecodeHintType_TRY_HARDER),
				attempt(enlarged, global, false, gozxing.DecodeHintType_TRY_HARDER))
		}
	}
	return append(tries,
		attempt(same, global, false, gozxing.DecodeHintType_TRY_HARDER),
		attempt(same, hybrid, true, gozxing.DecodeHintType_TRY_HARDER))
}

// scale enlarges gray by factor with bilinear interpolation, which keeps the
// module edges of a blurred photo where nearest-neighbour would add steps.
func scale(gray *image.Gray, factor int) *image.Gray {
	b := gray.Bounds()
	dst := image.NewGray(image.Rect(0, 0, b.Dx()*factor, b.Dy()*factor))
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
