package netid

import (
	"github.com/godbus/dbus/v5"
)

const (
	nmName     = "org.freedesktop.NetworkManager"
	nmPath     = "/org/freedesktop/NetworkManager"
	nmWireless = "org.freedesktop.NetworkManager.Device.Wireless"
	nmAP       = "org.freedesktop.NetworkManager.AccessPoint"
)

// wifiSSID asks NetworkManager, over the system bus, for the SSID of the
// access point iface is associated with; "" when iface is not Wi-Fi or
// NetworkManager does not run (then Wi-Fi is identified by its gateway's
// MAC alone).
func wifiSSID(iface string) string {
	if iface == "" {
		return ""
	}
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return ""
	}
	defer conn.Close()
	nm := conn.Object(nmName, nmPath)
	var dev dbus.ObjectPath
	if err := nm.Call(nmName+".GetDeviceByIpIface", 0, iface).Store(&dev); err != nil {
		return ""
	}
	ap, err := conn.Object(nmName, dev).GetProperty(nmWireless + ".ActiveAccessPoint")
	if err != nil {
		return ""
	}
	apPath, ok := ap.Value().(dbus.ObjectPath)
	if !ok || apPath == "/" {
		return ""
	}
	ssid, err := conn.Object(nmName, apPath).GetProperty(nmAP + ".Ssid")
	if err != nil {
		return ""
	}
	b, ok := ssid.Value().([]byte)
	if !ok {
		return ""
	}
	return string(b)
}
