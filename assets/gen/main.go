// Command gen writes the application icon as a PNG file for packaging.
package main

import (
	"flag"
	"log"
	"os"

	"github.com/wgtray/wgtray/assets"
)

func main() {
	out := flag.String("o", "icon.png", "output file")
	size := flag.Int("size", assets.PackageIconSize, "width and height in pixels")
	flag.Parse()
	if err := os.WriteFile(*out, assets.PNG(assets.AppIcon(*size)), 0o644); err != nil {
		log.Fatal(err)
	}
}
