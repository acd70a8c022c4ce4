#!/bin/sh
# Regenerates the committed QR images from the .conf files next to this
# script. Needs qrencode and ImageMagick (apt: qrencode imagemagick); the
# tests only read the results, so CI needs neither.
#
#   *.png        exactly what a user gets from `qrencode -r NAME.conf -o NAME.png`
#                (3 pixels per module, the smallest qrencode makes by default)
#   *-photo.jpg  a phone photo of that code on a screen: upscaled onto a grey
#                bezel, seen at an angle (perspective), blurred, noisy, JPEG 70
set -eu
cd "$(dirname "$0")"
for conf in wg0 office; do
	qrencode -r "$conf.conf" -o "$conf.png"
	convert "$conf.png" -filter Triangle -resize 400% \
		-bordercolor 'rgb(60,60,66)' -border 60 \
		-virtual-pixel background -background 'rgb(40,40,44)' \
		-distort Perspective '0,0 30,18  %[fx:w-1],0 %[fx:w-40],0  0,%[fx:h-1] 0,%[fx:h-25]  %[fx:w-1],%[fx:h-1] %[fx:w-12],%[fx:h-1]' \
		-rotate 4 -blur 0x1.2 -attenuate 0.6 +noise Gaussian \
		-resize 70% -quality 70 "$conf-photo.jpg"
done
