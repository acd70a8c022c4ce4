#!/bin/sh
# `make run`'s last step, as root after the service answers: starts the
# tray agent as the desktop user who ran `sudo make run` (SUDO_USER), in
# that user's session, never as root (root's keyring and tray are not the
# user's). sudo passes on at most DISPLAY, so the session's display, bus
# and runtime directory are read from a process of that user's desktop.
set -eu
: "${BIN:=bin}"

cli() {
	echo "Use the command line instead (as a member of the group wgtray):"
	"$BIN/wgtrayd" help
}

if [ -z "${SUDO_USER:-}" ] || [ "$SUDO_USER" = root ]; then
	echo "The service runs. wgtray is a desktop app for your own user, not for root:"
	echo "run 'sudo make run' from your desktop session, or start $BIN/wgtray as your"
	echo "user (a member of the group wgtray: sudo usermod -aG wgtray USER, then log in again)."
	cli
	exit 0
fi

uid=$(id -u "$SUDO_USER")
# The newest process of the user with a display and a session bus in its
# environment: the desktop session or something started from it.
session_env=
for pid in $(pgrep -u "$uid" | sort -rn); do
	env=$(tr '\0' '\n' <"/proc/$pid/environ" 2>/dev/null) || continue
	if echo "$env" | grep -Eq '^(DISPLAY|WAYLAND_DISPLAY)=.' && echo "$env" | grep -q '^DBUS_SESSION_BUS_ADDRESS=.'; then
		session_env=$(echo "$env" | grep -E '^(DISPLAY|WAYLAND_DISPLAY|XAUTHORITY|DBUS_SESSION_BUS_ADDRESS|XDG_RUNTIME_DIR|XDG_SESSION_TYPE|XDG_CURRENT_DESKTOP|LANG)=')
		break
	fi
done
if [ -z "$session_env" ]; then
	echo "No desktop session of $SUDO_USER found (no process of theirs has a display and a session bus), so no app."
	cli
	exit 0
fi

if ! id -nG "$SUDO_USER" | tr ' ' '\n' | grep -qx wgtray; then
	getent group wgtray >/dev/null || groupadd --system wgtray
	usermod -aG wgtray "$SUDO_USER"
	echo "added $SUDO_USER to the group wgtray (other programs see it after the next login)"
fi

# The user may not be able to read the build directory (under /root, say):
# the binaries go to a directory of their own that the user can read.
dir=$(mktemp -d /tmp/wgtray-run.XXXXXX)
trap 'rm -rf "$dir"' EXIT
cp "$BIN/wgtray" "$BIN/wgtray-window" "$dir/"
chmod 755 "$dir" "$dir/wgtray" "$dir/wgtray-window"
home=$(getent passwd "$SUDO_USER" | cut -d: -f6)
echo "starting wgtray as $SUDO_USER (from $dir)"
# runuser starts with the user's groups from /etc/group, wgtray included.
# shellcheck disable=SC2086 # one VAR=value per line, on purpose
runuser -u "$SUDO_USER" -- env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$home" USER="$SUDO_USER" \
	$(echo "$session_env" | tr '\n' ' ') "$dir/wgtray"
