package app

import (
	"os"

	"github.com/godbus/dbus/v5"
)

// TraySupport says whether a tray icon can work here, and if not, a
// sentence for the user. Without a session bus the tray must stay off: Fyne's
// tray would start dbus-launch and panic when the app quits (fyne#6403).
// With a bus but no StatusNotifierWatcher (stock GNOME) the tray is still
// enabled, as a host may appear later, but the user learns why there is no
// icon.
func TraySupport() (enable bool, note string) {
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	if addr == "" {
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
