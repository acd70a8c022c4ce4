#!/bin/sh
# Removes wgtray from macOS: stops the service (every tunnel goes down) and
# deletes the app, the service, the launchd entries, the kill switch's pf
# rules, the log and the socket.
#   sudo ./uninstall.sh            keeps /Library/Application Support/wgtray
#   sudo ./uninstall.sh --purge    removes it too
# The group wgtray stays (delete it with: sudo dseditgroup -o delete wgtray).
set -eu

purge=
case "${1:-}" in
"") ;;
--purge) purge=yes ;;
*)
	echo "usage: sudo $0 [--purge]" >&2
	exit 2
	;;
esac
if [ "$(id -u)" != 0 ]; then
	echo "uninstall.sh: run it as root: sudo $0" >&2
	exit 1
fi

launchctl bootout system/wgtrayd 2>/dev/null || true
for user in $(who | awk '$2 == "console" { print $1 }'); do
	launchctl bootout "gui/$(id -u "$user")/io.github.wgtray.tray" 2>/dev/null || true
done
rm -f /Library/LaunchDaemons/wgtrayd.plist /Library/LaunchAgents/io.github.wgtray.tray.plist
# The kill switch's rules stay when the service stops (fail-closed): lift
# them, which also gives back its reference on pf, so pf runs only if
# someone else wants it.
if [ -x /usr/local/bin/wgtrayd ]; then
	/usr/local/bin/wgtrayd killswitch --lift || true
fi
rm -f /usr/local/bin/wgtrayd /Library/Logs/wgtrayd.log
rm -rf /var/run/wgtray
rm -rf /Applications/wgtray.app
if [ -n "$purge" ]; then
	rm -rf "/Library/Application Support/wgtray"
fi
echo "wgtray is removed."
