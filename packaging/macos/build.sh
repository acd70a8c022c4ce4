#!/bin/sh
# Builds the macOS package on a Mac (Xcode command line tools, Go, and the
# fyne command: go install fyne.io/tools/cmd/fyne@latest):
#   packaging/macos/build.sh [VERSION]
# leaves dist/macos/ with wgtray.app, wgtrayd (universal: arm64 and
# amd64), the launchd plists and install.sh/uninstall.sh, zipped as
# dist/wgtray-VERSION-macos.zip.
set -eu

cd "$(dirname "$0")/../.."
version=${1:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
ldflags="-s -w -X github.com/wgtray/wgtray/version.Version=$version -X github.com/wgtray/wgtray/version.Commit=$commit"
out=dist/macos
rm -rf "$out"
mkdir -p "$out"

# The binaries for Apple silicon and Intel, joined into universal ones; the
# tray agent (systray) and the window (Fyne) need cgo (Xcode's clang), the
# service does not.
for arch in arm64 amd64; do
	GOOS=darwin GOARCH=$arch CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$out/wgtrayd-$arch" ./cmd/wgtrayd
	GOOS=darwin GOARCH=$arch CGO_ENABLED=1 go build -trimpath -ldflags "$ldflags" -o "$out/wgtray-$arch" .
	GOOS=darwin GOARCH=$arch CGO_ENABLED=1 go build -trimpath -ldflags "$ldflags" -o "$out/wgtray-window-$arch" ./cmd/wgtray-window
done
for b in wgtrayd wgtray wgtray-window; do
	lipo -create -output "$out/$b" "$out/$b-arm64" "$out/$b-amd64"
	rm "$out/$b-arm64" "$out/$b-amd64"
done

# fyne wraps the agent into wgtray.app with the name, id, icon and version
# from FyneApp.toml; the window goes beside it, where the agent looks.
fyne package -os darwin --release --executable "$out/wgtray"
rm "$out/wgtray"
mv "$out/wgtray-window" wgtray.app/Contents/MacOS/wgtray-window
mv wgtray.app "$out/wgtray.app"

cp packaging/macos/install.sh packaging/macos/uninstall.sh \
	packaging/macos/wgtrayd.plist packaging/macos/io.github.wgtray.tray.plist "$out/"
(cd dist && zip -qry "wgtray-$version-macos.zip" macos)
echo "created package: dist/wgtray-$version-macos.zip"
