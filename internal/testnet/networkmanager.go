package testnet

import (
	"fmt"
	"sort"
	"testing"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"
)

const (
	nmName     = "org.freedesktop.NetworkManager"
	nmPath     = "/org/freedesktop/NetworkManager"
	nmWireless = "org.freedesktop.NetworkManager.Device.Wireless"
	nmAP       = "org.freedesktop.NetworkManager.AccessPoint"
)

// fakeNM answers GetDeviceByIpIface for its Wi-Fi interfaces.
type fakeNM struct{ devices map[string]dbus.ObjectPath }

func (f fakeNM) GetDeviceByIpIface(iface string) (dbus.ObjectPath, *dbus.Error) {
	dev, ok := f.devices[iface]
	if !ok {
		return "", dbus.NewError(nmName+".UnknownDevice", []any{"no device " + iface})
	}
	return dev, nil
}

// StartNetworkManager runs a private bus (StartBus) with a stand-in
// NetworkManager on it: each interface of wifi (name to SSID) is a Wi-Fi
// device associated with an access point of that SSID; other interfaces
// are unknown to it. It returns the bus's address and a function that
// changes an interface's SSID (as a move to another access point would).
func StartNetworkManager(t testing.TB, wifi map[string]string) (bus string, setSSID func(iface, ssid string)) {
	t.Helper()
	bus = StartBus(t)
	conn := connect(t, bus)
	ifaces := make([]string, 0, len(wifi))
	for iface := range wifi {
		ifaces = append(ifaces, iface)
	}
	sort.Strings(ifaces)
	nm := fakeNM{devices: map[string]dbus.ObjectPath{}}
	aps := map[string]*prop.Properties{}
	for i, iface := range ifaces {
		dev := dbus.ObjectPath(fmt.Sprintf("%s/Devices/%d", nmPath, i+3))
		ap := dbus.ObjectPath(fmt.Sprintf("%s/AccessPoint/%d", nmPath, i+7))
		nm.devices[iface] = dev
		if _, err := prop.Export(conn, dev, prop.Map{nmWireless: {"ActiveAccessPoint": {Value: ap}}}); err != nil {
			t.Fatal(err)
		}
		var err error
		if aps[iface], err = prop.Export(conn, ap, prop.Map{nmAP: {"Ssid": {Value: []byte(wifi[iface]), Writable: true}}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := conn.Export(nm, nmPath, nmName); err != nil {
		t.Fatal(err)
	}
	own(t, conn, nmName)
	return bus, func(iface, ssid string) {
		aps[iface].SetMust(nmAP, "Ssid", []byte(ssid))
	}
}
