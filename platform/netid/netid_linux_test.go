package netid

import (
	"strings"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"
	"github.com/godbus/dbus/v5/prop"

	"github.com/wgtray/wgtray/internal/testnet"
)

// fakeNM stands in for NetworkManager: one Wi-Fi device, associated with
// an access point whose SSID the test picks.
type fakeNM struct{ iface string }

func (f fakeNM) GetDeviceByIpIface(iface string) (dbus.ObjectPath, *dbus.Error) {
	if iface != f.iface {
		return "", dbus.NewError("org.freedesktop.NetworkManager.UnknownDevice", []any{"no device " + iface})
	}
	return "/org/freedesktop/NetworkManager/Devices/3", nil
}

// serveFakeNM owns org.freedesktop.NetworkManager on a private bus (a
// dbus-daemon of its own) and exports what wifiSSID reads; it returns the
// bus's address.
func serveFakeNM(t *testing.T, iface, ssid string) string {
	t.Helper()
	addr := testnet.StartBus(t)
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.Export(fakeNM{iface}, nmPath, nmName); err != nil {
		t.Fatal(err)
	}
	if _, err := prop.Export(conn, "/org/freedesktop/NetworkManager/Devices/3", prop.Map{
		nmWireless: {"ActiveAccessPoint": {Value: dbus.ObjectPath("/org/freedesktop/NetworkManager/AccessPoint/7")}},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := prop.Export(conn, "/org/freedesktop/NetworkManager/AccessPoint/7", prop.Map{
		nmAP: {"Ssid": {Value: []byte(ssid)}},
	}); err != nil {
		t.Fatal(err)
	}
	if reply, err := conn.RequestName(nmName, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s: %v %v", nmName, reply, err)
	}
	return addr
}

type watchPayload struct{ WiFi, SSID string }

// The identity follows the default route: the gateway's MAC is resolved
// even with no traffic (the watch asks the kernel to), a move of the
// default route to another router (another MAC) is reported at once, and
// the SSID comes from NetworkManager for the Wi-Fi interface only.
func TestIdentityFollowsTheDefaultRouteToAnotherRouter(t *testing.T) {
	if testnet.Role() == "watch" {
		var p watchPayload
		if err := testnet.Payload(&p); err != nil {
			t.Fatal(err)
		}
		t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", serveFakeNM(t, p.WiFi, p.SSID))
		stop := make(chan struct{})
		ids, err := Watch(stop)
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for id := range ids {
				if err := testnet.Send(id); err != nil {
					t.Error(err)
				}
			}
		}()
		testnet.WaitForStop()
		close(stop)
		<-done
		return
	}
	testnet.RequireRoot(t)
	lap, ra, rb := testnet.NewNamespace(t), testnet.NewNamespace(t), testnet.NewNamespace(t)
	lapA, raIf := testnet.Connect(t, lap, ra, "192.168.77.2/24", "192.168.77.1/24")
	_, rbIf := testnet.Connect(t, lap, rb, "192.168.78.2/24", "192.168.78.1/24")
	macA := strings.TrimSpace(ra.Run(t, "cat", "/sys/class/net/"+raIf+"/address"))
	macB := strings.TrimSpace(rb.Run(t, "cat", "/sys/class/net/"+rbIf+"/address"))
	lap.Run(t, "ip", "route", "add", "default", "via", "192.168.77.1")

	child := lap.StartTest(t, "watch", watchPayload{WiFi: lapA, SSID: "Home"})
	next := func(want string) Identity {
		t.Helper()
		start := time.Now()
		for range 5 {
			var id Identity
			child.Receive(t, &id)
			if id.GatewayMAC != want {
				t.Logf("identity on the way: %+v", id)
				continue
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("gateway MAC %s took %v, want at most 5 s", want, d)
			}
			return id
		}
		t.Fatalf("no identity with gateway MAC %s", want)
		return Identity{}
	}
	start := time.Now()
	if id := next(macA); id.SSID != "Home" || id.Interface != lapA || id.Gateway.String() != "192.168.77.1" {
		t.Errorf("on router A: %+v, want Wi-Fi %q on %s via 192.168.77.1", id, "Home", lapA)
	}
	t.Logf("router A identified in %v", time.Since(start))

	start = time.Now()
	lap.Run(t, "ip", "route", "replace", "default", "via", "192.168.78.1")
	if id := next(macB); id.SSID != "" {
		t.Errorf("on router B (not Wi-Fi): SSID %q, want none", id.SSID)
	}
	t.Logf("move to router B seen in %v", time.Since(start))

	start = time.Now()
	lap.Run(t, "ip", "route", "replace", "default", "via", "192.168.77.1")
	next(macA)
	t.Logf("move back to router A seen in %v", time.Since(start))
	child.Stop(t)
}
