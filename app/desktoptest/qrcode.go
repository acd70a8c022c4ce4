package desktoptest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// QRCode draws text as a QR code PNG, four pixels a module with a quiet
// zone, like a phone screen showing a tunnel.
func QRCode(text string) ([]byte, error) {
	m, err := qrcode.NewQRCodeWriter().Encode(text, gozxing.BarcodeFormat_QR_CODE, 0, 0, nil)
	if err != nil {
		return nil, err
	}
	const scale = 4
	img := image.NewGray(image.Rect(0, 0, m.GetWidth()*scale, m.GetHeight()*scale))
	for y := range img.Rect.Dy() {
		for x := range img.Rect.Dx() {
			c := color.Gray{0xff}
			if m.Get(x/scale, y/scale) {
				c = color.Gray{0}
			}
			img.SetGray(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
