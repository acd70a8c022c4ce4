package netid

import (
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/internal/testnet"
)

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
		bus, _ := testnet.StartNetworkManager(t, map[string]string{p.WiFi: p.SSID})
		t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", bus)
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
