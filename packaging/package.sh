#!/bin/sh
# Builds the Linux packages from binaries that are already built:
#   BIN=bin DIST=dist VERSION=v1.2.0 packaging/package.sh
# writes DIST/wgtray_VERSION-1_ARCH.deb and DIST/wgtray-VERSION-1.ARCH.rpm.
# `make package` builds the binaries and calls this.
set -eu

cd "$(dirname "$0")/.."
: "${BIN:=bin}" "${DIST:=dist}" "${VERSION:=dev}" "${GO:=go}"

for b in wgtrayd wgtray wgtray-window; do
	if [ ! -x "$BIN/$b" ]; then
		echo "package: $BIN/$b is missing; run \`make build\` first" >&2
		exit 1
	fi
done

# Debian and RPM versions start with a digit and have no '-' in the upstream
# part: v1.2.0 stays 1.2.0, a build after a tag (v1.2.0-3-gabc1234) becomes
# 1.2.0+3.gabc1234 and sorts after it, an untagged build (abc1234-dirty)
# becomes 0.0.0~git.abc1234.dirty and sorts before any release.
case $VERSION in
v[0-9]*.[0-9]* | [0-9]*.[0-9]*) v=${VERSION#v}; v=$(echo "$v" | sed 's/-/+/; s/-/./g') ;;
*) v=0.0.0~git.$(echo "$VERSION" | sed 's/-/./g') ;;
esac

mkdir -p "$DIST"
ICONS=$DIST/icons
rm -rf "$ICONS"
"$GO" run ./packaging/icons -src assets/icon.png -o "$ICONS"

PKG_VERSION=$v PKG_ARCH=$("$GO" env GOARCH) BIN=$BIN ICONS=$ICONS
export PKG_VERSION PKG_ARCH BIN ICONS
for packager in deb rpm; do
	"$GO" tool nfpm pkg --packager "$packager" -f packaging/nfpm.yaml -t "$DIST/"
done
