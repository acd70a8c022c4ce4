package importer

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/image/draw"
	"golang.org/x/image/math/f64"
)

// qrencodeImage reads testdata/qr/NAME.png, made by `qrencode -r NAME.conf
// -o NAME.png` (see testdata/qr/generate.sh).
func qrencodeImage(t *testing.T, name string) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(readFile(t, "testdata/qr/"+name+".png")))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// photo turns a clean QR image into what a phone sees: scaled by factor,
// rotated by degrees on a white page, with Gaussian-ish noise of the given
// amplitude (0 to 255). The noise is seeded, so every run sees the same
// image.
func photo(src image.Image, factor, degrees float64, noise int) *image.Gray {
	sb := src.Bounds()
	w, h := float64(sb.Dx())*factor, float64(sb.Dy())*factor
	rad := degrees * math.Pi / 180
	sin, cos := math.Sin(rad), math.Cos(rad)
	side := int(math.Ceil(w*math.Abs(cos)+h*math.Abs(sin))) + 2
	dst := image.NewGray(image.Rect(0, 0, side, side))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	// src → dst: scale about the source centre, rotate, move to the dst centre.
	cx, cy := float64(sb.Min.X)+float64(sb.Dx())/2, float64(sb.Min.Y)+float64(sb.Dy())/2
	a, b := factor*cos, -factor*sin
	d, e := factor*sin, factor*cos
	m := f64.Aff3{
		a, b, float64(side)/2 - a*cx - b*cy,
		d, e, float64(side)/2 - d*cx - e*cy,
	}
	draw.BiLinear.Transform(dst, m, src, sb, draw.Over, nil)
	if noise > 0 {
		rng := rand.New(rand.NewPCG(1, 2))
		for i, v := range dst.Pix {
			n := int(rng.NormFloat64() * float64(noise))
			dst.Pix[i] = uint8(min(255, max(0, int(v)+n)))
		}
	}
	return dst
}

func encodePNG(t *testing.T, img image.Image) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(t *testing.T, img image.Image, quality int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encodeGIF writes img with a palette of 256 grays, as a screenshot tool
// saving a black-and-white code would.
func encodeGIF(t *testing.T, img image.Image) []byte {
	t.Helper()
	grays := make(color.Palette, 256)
	for i := range grays {
		grays[i] = color.Gray{Y: uint8(i)}
	}
	b := img.Bounds()
	paletted := image.NewPaletted(b, grays)
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			paletted.SetColorIndex(x, y, color.GrayModel.Convert(img.At(x, y)).(color.Gray).Y)
		}
	}
	var buf bytes.Buffer
	if err := gif.Encode(&buf, paletted, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// qrImages are the variants every testdata/qr config must survive, by a
// file name that says what they are: the committed qrencode PNG and phone
// photo, and photo-like images made here.
func qrImages(t *testing.T, name string) map[string][]byte {
	t.Helper()
	clean := qrencodeImage(t, name)
	read := func(file string) []byte { return readFile(t, "testdata/qr/"+file) }
	return map[string][]byte{
		name + ".png":                    read(name + ".png"),
		name + "-photo.jpg":              read(name + "-photo.jpg"),
		name + "-2px-per-module.png":     encodePNG(t, photo(clean, 2.0/3, 0, 0)),
		name + "-rotated-4deg.png":       encodePNG(t, photo(clean, 1, 4, 0)),
		name + "-rotated-3deg-noisy.jpg": encodeJPEG(t, photo(clean, 2.5, -3, 25), 60),
		name + "-small-noisy.jpg":        encodeJPEG(t, photo(clean, 0.8, 2, 15), 75),
		name + ".gif":                    encodeGIF(t, clean),
		name + "-rotated-5deg.gif":       encodeGIF(t, photo(clean, 1.5, 5, 10)),
	}
}

func TestImportQRImageGivesTheSameConfigAsTheFile(t *testing.T) {
	for _, name := range []string{"wg0", "office"} {
		want := parseFile(t, "testdata/qr/"+name+".conf")
		for file, data := range qrImages(t, name) {
			t.Run(file, func(t *testing.T) {
				t.Parallel()
				results := Import(name+filepath.Ext(file), data)
				if len(results) != 1 {
					t.Fatalf("%d results, want 1", len(results))
				}
				r := results[0]
				if r.Err != nil {
					t.Fatal(r.Err)
				}
				if r.Name != name {
					t.Errorf("tunnel name %q, want %q", r.Name, name)
				}
				if !reflect.DeepEqual(r.Config, want) {
					t.Errorf("config differs from %s.conf:\n%s", name, r.Config)
				}
			})
		}
	}
}

func TestDecodeQRSaysWhenThereIsNoCode(t *testing.T) {
	img := image.NewGray(image.Rect(0, 0, 300, 200))
	for i := range img.Pix {
		img.Pix[i] = uint8(i % 251)
	}
	_, err := DecodeQR(encodePNG(t, img))
	if err == nil || !strings.Contains(err.Error(), "no QR code found") {
		t.Fatalf("DecodeQR(no code) = %v, want an error saying no QR code was found", err)
	}
}

func TestImportNamesQRTunnelAfterTheImage(t *testing.T) {
	r := Import("Downloads/home.png", readFile(t, "testdata/qr/wg0.png"))[0]
	if r.Err != nil || r.Name != "home" || r.Source != "Downloads/home.png" {
		t.Fatalf("Import(home.png) = name %q, source %q, err %v; want home, Downloads/home.png, nil", r.Name, r.Source, r.Err)
	}
}

func TestDecodeQRReadsLightCodeOnDarkBackground(t *testing.T) {
	img := photo(qrencodeImage(t, "wg0"), 1, 0, 0)
	for i, v := range img.Pix {
		img.Pix[i] = 255 - v
	}
	want := readFile(t, "testdata/qr/wg0.conf")
	text, err := DecodeQR(encodePNG(t, img))
	if err != nil || text != string(want) {
		t.Fatalf("DecodeQR(inverted) = %q, %v; want the text of wg0.conf", text, err)
	}
}

func TestDecodeQRReadsTransparentBackground(t *testing.T) {
	clean := qrencodeImage(t, "wg0")
	img := image.NewNRGBA(clean.Bounds())
	for y := img.Rect.Min.Y; y < img.Rect.Max.Y; y++ {
		for x := img.Rect.Min.X; x < img.Rect.Max.X; x++ {
			if r, _, _, _ := clean.At(x, y).RGBA(); r < 0x8000 {
				img.Set(x, y, color.NRGBA{A: 255})
			}
		}
	}
	if _, err := DecodeQR(encodePNG(t, img)); err != nil {
		t.Fatalf("DecodeQR(black code on transparent) = %v", err)
	}
}

// TestDecodeQRRefusesHugeImagesBeforeDecoding protects against decompression
// bombs: a PNG header claiming 100000×100000 pixels must be refused from the
// header alone.
func TestDecodeQRRefusesHugeImagesBeforeDecoding(t *testing.T) {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], 100000)
	binary.BigEndian.PutUint32(ihdr[4:], 100000)
	ihdr[8], ihdr[9] = 8, 0 // 8-bit grayscale
	data := []byte("\x89PNG\r\n\x1a\n")
	data = binary.BigEndian.AppendUint32(data, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr...)
	data = append(data, chunk...)
	data = binary.BigEndian.AppendUint32(data, crc32.ChecksumIEEE(chunk))
	_, err := DecodeQR(data)
	if err == nil || !strings.Contains(err.Error(), "megapixels") {
		t.Fatalf("DecodeQR(100000×100000 PNG) = %v, want an error about the size", err)
	}
}

func TestImportSaysWhenAnImageIsDamaged(t *testing.T) {
	data := readFile(t, "testdata/qr/wg0.png")
	r := Import("wg0.png", data[:len(data)/2])[0]
	var errs Errors
	if r.Config != nil || !errors.As(r.Err, &errs) || errs[0].File != "wg0.png" || !strings.Contains(errs[0].Msg, "damaged") {
		t.Fatalf("Import(truncated PNG) = %v, want a wg0.png error saying it is damaged", r.Err)
	}
}
