package netid

import (
	"net/netip"
	"testing"
)

func TestTrustedNetworkMatchesOnlyWhatIdentifiesIt(t *testing.T) {
	home := Identity{Interface: "wlan0", GatewayMAC: "aa:bb:cc:00:00:01", Router6: netip.MustParseAddr("fe80::1"), SSID: "Home"}
	tests := []struct {
		name    string
		trusted Network
		current Identity
		want    bool
	}{
		{"the network trusted from its identity", Of(home), home, true},
		{"another router with the same SSID", Of(home), Identity{GatewayMAC: "aa:bb:cc:00:00:02", SSID: "Home"}, false},
		{"the same router under another SSID", Of(home), Identity{GatewayMAC: home.GatewayMAC, SSID: "Cafe"}, false},
		{"another IPv6 router", Of(home), Identity{GatewayMAC: home.GatewayMAC, SSID: "Home", Router6: netip.MustParseAddr("fe80::2")}, false},
		{"no IPv6 router yet", Of(home), Identity{GatewayMAC: home.GatewayMAC, SSID: "Home"}, true},
		{"an unknown network (gateway MAC not resolved)", Network{SSID: "Home"}, Identity{SSID: "Home"}, false},
		{"an SSID alone, trusted as such", Network{SSID: "Home"}, Identity{GatewayMAC: "aa:bb:cc:00:00:09", SSID: "Home"}, true},
		{"a gateway alone, on Ethernet", Network{GatewayMAC: home.GatewayMAC}, Identity{GatewayMAC: home.GatewayMAC}, true},
		{"an empty entry matches nothing", Network{}, home, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.trusted.Matches(tc.current); got != tc.want {
				t.Errorf("%+v matches %+v: %v, want %v", tc.trusted, tc.current, got, tc.want)
			}
		})
	}
}

func TestParseMACAcceptsTheUsualSpellings(t *testing.T) {
	for _, in := range []string{"AA:BB:CC:DD:EE:0F", "aa-bb-cc-dd-ee-0f", " aa:bb:cc:dd:ee:0f "} {
		got, err := ParseMAC(in)
		if err != nil || got != "aa:bb:cc:dd:ee:0f" {
			t.Errorf("ParseMAC(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "aa:bb:cc", "home", "aa:bb:cc:dd:ee:ff:00:11"} {
		if _, err := ParseMAC(in); err == nil {
			t.Errorf("ParseMAC(%q) accepted", in)
		}
	}
}
