#!/bin/sh
# Installs wgtray on macOS (run with sudo from the folder that holds
# wgtray.app and wgtrayd, as build.sh leaves them):
#   sudo ./install.sh [DIR]
# The app goes to /Applications, the service to /usr/local/bin and launchd
# (started now and at every boot), the menu-bar icon starts at every login.
set -eu

src=${1:-$(dirname "$0")}
here=$(dirname "$0")
if [ "$(id -u)" != 0 ]; then
	echo "install.sh: run it as root: sudo $0" >&2
	exit 1
fi
for f in "$src/wgtray.app" "$src/wgtrayd"; do
	if [ ! -e "$f" ]; then
		echo "install.sh: $f is missing; build it with packaging/macos/build.sh" >&2
		exit 1
	fi
done

# Members of the group wgtray may connect tunnels; the group stays when
# wgtray is removed, so its members survive a reinstall.
if ! dseditgroup -o read wgtray >/dev/null 2>&1; then
	dseditgroup -o create -r "wgtray operators" wgtray
fi

# Replacing a running service: stop it first. Its tunnels and settings in
# /Library/Application Support/wgtray stay.
launchctl bootout system/wgtrayd 2>/dev/null || true

install -d -m 0755 /usr/local/bin
install -m 0755 "$src/wgtrayd" /usr/local/bin/wgtrayd
rm -rf /Applications/wgtray.app
cp -R "$src/wgtray.app" /Applications/wgtray.app
install -m 0644 -o root -g wheel "$here/wgtrayd.plist" /Library/LaunchDaemons/wgtrayd.plist
install -m 0644 -o root -g wheel "$here/io.github.wgtray.tray.plist" /Library/LaunchAgents/io.github.wgtray.tray.plist
launchctl bootstrap system /Library/LaunchDaemons/wgtrayd.plist

echo "wgtray is installed and the service is running (log: /Library/Logs/wgtrayd.log)."
echo "Users who may connect tunnels must be in the group wgtray:"
echo "  sudo dseditgroup -o edit -a USER -t user wgtray"
