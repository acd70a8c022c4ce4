package tray

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/godbus/dbus/v5"
)

// The sentences the window shows when there is no tray icon.
const (
	noteNoBus     = "No tray icon: there is no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset). wgtray works from this window; closing it quits."
	noteDeadBus   = "No tray icon: the D-Bus session bus does not answer (%v). wgtray works from this window; closing it quits."
	noteNoWatcher = "No tray icon: this desktop shows no status icons (on GNOME, install the AppIndicator extension). wgtray works from this window; closing it quits."
)

// HostNote says why no tray icon can show here, or "" when a tray host
// (a StatusNotifierWatcher on the session bus) is there. Without a session
// bus it also sets DBUS_SESSION_BUS_ADDRESS to an address that cannot
// connect, for this process and the window it starts: godbus would
// otherwise start a dbus-launch daemon that outlives them.
func HostNote() string {
	addr := sessionBusAddress()
	if addr == "" {
		os.Setenv("DBUS_SESSION_BUS_ADDRESS", "disabled:")
		return noteNoBus
	}
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", addr)
	conn, err := dbus.Connect(addr)
	if err != nil {
		return fmt.Sprintf(noteDeadBus, err)
	}
	defer conn.Close()
	var has bool
	err = conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.kde.StatusNotifierWatcher").Store(&has)
	if err != nil || !has {
		return noteNoWatcher
	}
	return ""
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
