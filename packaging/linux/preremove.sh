#!/bin/sh
# Before wgtray's files go away: stop the service, which takes every tunnel
# down, disable the units and lift the kill switch. Called as the deb prerm
# (remove, upgrade, ...) and the rpm %preun (0 on erase, 1 on upgrade); an
# upgrade restarts the service in postinstall instead.
set -e

case "$1" in
remove | 0) ;;
*) exit 0 ;;
esac

units="wgtrayd.service wgtray-killswitch.service"
if [ -d /run/systemd/system ]; then
	systemctl stop wgtrayd.service || true
fi
if command -v systemctl >/dev/null; then
	systemctl disable $units >/dev/null 2>&1 || true
fi

# The kill switch's rules stay when the service stops, by design (fail
# closed); without wgtray nothing would ever lift them again. The setting
# stays in /var/lib/wgtray for a reinstall.
if ! /usr/bin/wgtrayd killswitch --lift >/dev/null 2>&1; then
	echo "wgtray: could not remove the kill switch's rules; run: nft delete table inet wgtray"
fi
