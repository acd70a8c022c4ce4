// Command icons writes the application icon in the sizes of the freedesktop
// hicolor theme, scaled from one large PNG, for the Linux packages:
//
//	go run ./packaging/icons -src assets/icon.png -o dist/icons
//
// writes dist/icons/hicolor/16x16/apps/wgtray.png and so on up to 512x512.
package main

import (
	"flag"
	"fmt"
	"image"
	"image/png"
	"log"
	"os"
	"path/filepath"

	"golang.org/x/image/draw"
)

// sizes are the hicolor sizes desktops look up for an application icon.
var sizes = []int{16, 22, 24, 32, 48, 64, 128, 256, 512}

func main() {
	src := flag.String("src", "assets/icon.png", "the icon to scale, a square PNG at least 512 pixels wide")
	out := flag.String("o", "dist/icons", "directory that receives hicolor/SIZExSIZE/apps/NAME.png")
	name := flag.String("name", "wgtray", "icon name, as in the desktop entry's Icon=")
	flag.Parse()
	if err := run(*src, *out, *name); err != nil {
		log.Fatalf("icons: %v", err)
	}
}

func run(src, out, name string) error {
	icon, err := load(src)
	if err != nil {
		return err
	}
	for _, size := range sizes {
		path := filepath.Join(out, "hicolor", fmt.Sprintf("%dx%d", size, size), "apps", name+".png")
		if err := write(path, scale(icon, size)); err != nil {
			return err
		}
	}
	return nil
}

func load(path string) (image.Image, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open the source icon: %w", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	b := img.Bounds()
	if b.Dx() != b.Dy() || b.Dx() < sizes[len(sizes)-1] {
		return nil, fmt.Errorf("%s is %dx%d; it must be square and at least %d pixels wide", path, b.Dx(), b.Dy(), sizes[len(sizes)-1])
	}
	return img, nil
}

// scale resamples with Catmull-Rom, which keeps the edges of a flat icon
// sharp when shrinking it by large factors.
func scale(src image.Image, size int) image.Image {
	dst := image.NewNRGBA(image.Rect(0, 0, size, size))
	draw.CatmullRom.Scale(dst, dst.Bounds(), src, src.Bounds(), draw.Src, nil)
	return dst
}

func write(path string, img image.Image) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create icon directory: %w", err)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("create icon: %w", err)
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return fmt.Errorf("encode %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
