#!/bin/sh
# After wgtray's files are in place: create the operators' group and the
# state directory, then enable and start the service where systemd runs.
# Called as the deb postinst (configure OLD_VERSION) and the rpm %post
# (1 on install, 2 on upgrade).
set -e

case "$1" in
configure) upgrade=${2:+yes} ;;
1) upgrade= ;;
2) upgrade=yes ;;
*) exit 0 ;;
esac

if ! getent group wgtray >/dev/null; then
	groupadd --system wgtray
fi

# The service keeps its tunnels (without keys) here. systemd's
# StateDirectory= creates it the same way: root, group wgtray, 0700.
mkdir -p /var/lib/wgtray
chown root:wgtray /var/lib/wgtray
chmod 0700 /var/lib/wgtray

units="wgtray-killswitch.service wgtrayd.service"
if [ -d /run/systemd/system ]; then
	systemctl daemon-reload
	if [ -z "$upgrade" ]; then
		systemctl enable $units
		systemctl start wgtrayd.service
	else
		systemctl try-restart wgtrayd.service
	fi
else
	if [ -z "$upgrade" ] && command -v systemctl >/dev/null; then
		# Links only, so the service starts once the machine boots with systemd.
		systemctl enable $units >/dev/null 2>&1 || true
	fi
	echo "wgtray: systemd is not running here, so the service was not started."
	echo "wgtray: start it as root with: wgtrayd run"
fi

if [ -z "$upgrade" ]; then
	echo "wgtray: users who may connect tunnels must be in the group wgtray:"
	echo "wgtray:   sudo usermod -aG wgtray USER"
fi
