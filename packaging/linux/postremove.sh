#!/bin/sh
# After wgtray's files are gone. Removing keeps the tunnels in
# /var/lib/wgtray, so reinstalling picks up where it left off; purging (deb
# only: dpkg --purge, apt purge) deletes them. The group wgtray stays even
# then, as Debian recommends for system accounts: a later group could reuse
# its id and inherit whatever files still carry it, and the admin's choice of
# members survives a reinstall. Called as the deb postrm (remove, purge,
# upgrade, ...) and the rpm %postun (0 on erase, 1 on upgrade).
set -e

case "$1" in
remove | 0)
	rmdir /run/wgtray 2>/dev/null || true
	# systemctl disable leaves the .wants directories that enable made.
	for d in multi-user.target.wants sysinit.target.wants; do
		rmdir "/etc/systemd/system/$d" 2>/dev/null || true
	done
	if [ -d /run/systemd/system ]; then
		systemctl daemon-reload
	fi
	;;
purge)
	rm -rf /var/lib/wgtray
	rmdir /run/wgtray 2>/dev/null || true
	;;
esac
