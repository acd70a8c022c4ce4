package app

import (
	"os"
	"path/filepath"

	"github.com/godbus/dbus/v5"
)

// PrepareTray says whether a tray icon can work here, and if not, a
// sentence for the user. Without a session bus the tray must stay off:
// Fyne's tray would panic when the app quits (fyne#6403). Then it also sets
// DBUS_SESSION_BUS_ADDRESS to an address that cannot connect, because
// godbus, which Fyne uses for the tray, notifications and settings, would
// otherwise start a dbus-launch daemon that outlives the app. With a bus
// but no StatusNotifierWatcher (stock GNOME) the tray is still enabled, as
// a host may appear later, but the user learns why there is no icon.
func PrepareTray() (enable bool, note string) {
	addr := sessionBusAddress()
	if addr == "" {
		os.Setenv("DBUS_SESSION_BUS_ADDRESS", "disabled:")
		return false, "No tray icon: there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset). wgtray works from this window; closing it quits."
	}
	conn, err := dbus.Connect(addr)
	if err != nil {
		return false, "No tray icon: the D-Bus session bus does not answer (" + err.Error() + "). wgtray works from this window; closing it quits."
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	if err != nil || !has {
		return true, "No tray icon: this desktop shows no status icons (on GNOME, install the AppIndicator extension). wgtray works from this window."
	}
	return true, ""
}

// sessionBusAddress finds the session bus as godbus does, without starting
// one: the environment, else the systemd user bus socket.
func sessionBusAddress() string {
	if addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS"); addr != "" && addr != "autolaunch:" {
		return addr
	}
	if dir := os.Getenv("XDG_RUNTIME_DIR"); dir != "" {
		sock := filepath.Join(dir, "bus")
		if fi, err := os.Stat(sock); err == nil && fi.Mode()&os.ModeSocket != 0 {
			return "unix:path=" + sock
		}
	}
	return ""
}
