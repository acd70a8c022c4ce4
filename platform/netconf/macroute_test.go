package netconf

import (
	"encoding/json"
	"net/netip"
	"slices"
	"testing"
)

func macCommandLines(cmds []macCommand) []string {
	var out []string
	for _, c := range cmds {
		out = append(out, c.String())
	}
	return out
}

func TestMacInterfaceCommandsGiveTheUtunItsMTUAndAddressesAsWgQuick(t *testing.T) {
	up, addrs := macInterfaceCommands("utun4", 1420, []netip.Prefix{
		netip.MustParsePrefix("10.64.0.2/24"),
		netip.MustParsePrefix("fd00:64::2/64"),
	})
	if got, want := up.String(), "/sbin/ifconfig utun4 mtu 1420 up"; got != want {
		t.Errorf("up: %q, want %q", got, want)
	}
	want := []string{
		"/sbin/ifconfig utun4 inet 10.64.0.2/24 10.64.0.2 alias",
		"/sbin/ifconfig utun4 inet6 fd00:64::2/64 alias",
	}
	if got := macCommandLines(addrs); !slices.Equal(got, want) {
		t.Errorf("addresses:\n%q\nwant\n%q", got, want)
	}
}

func TestMacFullTunnelRoutesBothHalvesOfEachFamilyThroughTheUtun(t *testing.T) {
	routes, defaults := macTunnelRoutes("utun4", []netip.Prefix{
		netip.MustParsePrefix("0.0.0.0/0"),
		netip.MustParsePrefix("::/0"),
		netip.MustParsePrefix("10.64.0.0/24"),
		netip.MustParsePrefix("10.64.0.7/24"), // the same network again
	})
	if !slices.Equal(defaults, []int{4, 6}) {
		t.Errorf("default route families %v, want [4 6]", defaults)
	}
	var adds []macCommand
	for _, r := range routes {
		adds = append(adds, r.add())
	}
	want := []string{
		"/sbin/route -q -n add -inet -net 0.0.0.0/1 -interface utun4",
		"/sbin/route -q -n add -inet -net 128.0.0.0/1 -interface utun4",
		"/sbin/route -q -n add -inet6 -net ::/1 -interface utun4",
		"/sbin/route -q -n add -inet6 -net 8000::/1 -interface utun4",
		"/sbin/route -q -n add -inet -net 10.64.0.0/24 -interface utun4",
	}
	if got := macCommandLines(adds); !slices.Equal(got, want) {
		t.Errorf("routes:\n%q\nwant\n%q", got, want)
	}
}

func TestMacSplitTunnelTakesNoDefaultRoute(t *testing.T) {
	routes, defaults := macTunnelRoutes("utun7", []netip.Prefix{netip.MustParsePrefix("192.168.77.0/24"), netip.MustParsePrefix("fd00:77::/64")})
	if len(defaults) != 0 || len(routes) != 2 {
		t.Errorf("split tunnel: routes %v, default families %v; want the two prefixes and none", routes, defaults)
	}
	if eps := macEndpointRoutes([]netip.Addr{netip.MustParseAddr("198.51.100.7")}, defaults, nil); len(eps) != 0 {
		t.Errorf("a split tunnel got endpoint routes %v", eps)
	}
}

func TestMacDefaultGatewayIgnoresTheTunnelAndFallsBackToAScopedRoute(t *testing.T) {
	wifi := macSystemRoute{Dst: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("192.168.1.1"), Interface: "en0"}
	ethernetScoped := macSystemRoute{Dst: netip.MustParsePrefix("0.0.0.0/0"), Gateway: netip.MustParseAddr("10.0.0.1"), Interface: "en5", Scoped: true}
	tunnel := macSystemRoute{Dst: netip.MustParsePrefix("0.0.0.0/0"), Interface: "utun4"}
	v6 := macSystemRoute{Dst: netip.MustParsePrefix("::/0"), Gateway: netip.MustParseAddr("fe80::1%en0"), Interface: "en0"}
	lan := macSystemRoute{Dst: netip.MustParsePrefix("192.168.1.0/24"), Interface: "en0"}

	for _, tc := range []struct {
		name   string
		table  []macSystemRoute
		family int
		want   macGateway
	}{
		{"the primary interface's route", []macSystemRoute{lan, tunnel, ethernetScoped, wifi, v6}, 4, macGateway{netip.MustParseAddr("192.168.1.1"), "en0"}},
		{"a scoped route when the tunnel is primary", []macSystemRoute{tunnel, ethernetScoped}, 4, macGateway{netip.MustParseAddr("10.0.0.1"), "en5"}},
		{"IPv6 with its zone", []macSystemRoute{wifi, v6}, 6, macGateway{netip.MustParseAddr("fe80::1%en0"), "en0"}},
		{"none but the tunnel", []macSystemRoute{tunnel, lan}, 4, macGateway{}},
	} {
		if got := macDefaultGateway(tc.table, tc.family, "utun4"); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestMacEndpointRoutesGoThroughTheOriginalGatewayOrABlackhole(t *testing.T) {
	endpoints := []netip.Addr{
		netip.MustParseAddr("198.51.100.7"),
		netip.MustParseAddr("::ffff:198.51.100.7"), // the same, mapped
		netip.MustParseAddr("2001:db8::7"),
		netip.MustParseAddr("203.0.113.9"),
	}
	gateways := map[int]macGateway{4: {Addr: netip.MustParseAddr("192.168.1.1"), Interface: "en0"}}
	var cmds []macCommand
	for _, r := range macEndpointRoutes(endpoints, []int{4, 6}, gateways) {
		cmds = append(cmds, r.add())
	}
	want := []string{
		"/sbin/route -q -n add -inet -host 198.51.100.7 -gateway 192.168.1.1",
		"/sbin/route -q -n add -inet6 -host 2001:db8::7 ::1 -blackhole",
		"/sbin/route -q -n add -inet -host 203.0.113.9 -gateway 192.168.1.1",
	}
	if got := macCommandLines(cmds); !slices.Equal(got, want) {
		t.Errorf("endpoint routes:\n%q\nwant\n%q", got, want)
	}

	pppOnly := map[int]macGateway{4: {Interface: "ppp0"}, 6: {Addr: netip.MustParseAddr("fe80::1%en0"), Interface: "en0"}}
	cmds = nil
	for _, r := range macEndpointRoutes(endpoints[2:], []int{4, 6}, pppOnly) {
		cmds = append(cmds, r.add())
	}
	want = []string{
		"/sbin/route -q -n add -inet6 -host 2001:db8::7 -gateway fe80::1%en0",
		"/sbin/route -q -n add -inet -host 203.0.113.9 -interface ppp0",
	}
	if got := macCommandLines(cmds); !slices.Equal(got, want) {
		t.Errorf("endpoint routes through an interface:\n%q\nwant\n%q", got, want)
	}
}

func TestMacEndpointRoutesFollowANewDefaultGateway(t *testing.T) {
	endpoints := []netip.Addr{netip.MustParseAddr("198.51.100.7")}
	before := macEndpointRoutes(endpoints, []int{4}, map[int]macGateway{4: {Addr: netip.MustParseAddr("192.168.1.1"), Interface: "en0"}})
	after := macEndpointRoutes(endpoints, []int{4}, map[int]macGateway{4: {Addr: netip.MustParseAddr("172.20.10.1"), Interface: "en5"}})
	del, add := macRouteChanges(before, after)
	var cmds []macCommand
	for _, r := range del {
		cmds = append(cmds, r.delete())
	}
	for _, r := range add {
		cmds = append(cmds, r.add())
	}
	if got := macCommandLines(cmds); !slices.Equal(got, []string{
		"/sbin/route -q -n delete -inet -host 198.51.100.7",
		"/sbin/route -q -n add -inet -host 198.51.100.7 -gateway 172.20.10.1",
	}) {
		t.Errorf("after the Wi-Fi changed: %q", got)
	}
	if del, add := macRouteChanges(after, after); del != nil || add != nil {
		t.Errorf("an unchanged gateway changes routes: delete %v, add %v", del, add)
	}
}

func TestMacRoutesRoundTripThroughTheRecoveryRecord(t *testing.T) {
	routes := []macRoute{
		{Dst: netip.MustParsePrefix("198.51.100.7/32"), Gateway: netip.MustParseAddr("192.168.1.1")},
		{Dst: netip.MustParsePrefix("2001:db8::7/128"), Gateway: netip.MustParseAddr("fe80::1%en0")},
		{Dst: netip.MustParsePrefix("203.0.113.9/32"), Interface: "ppp0"},
		{Dst: netip.MustParsePrefix("2001:db8::9/128"), Blackhole: true},
	}
	data, err := json.Marshal(routes)
	if err != nil {
		t.Fatal(err)
	}
	var back []macRoute
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back, routes) {
		t.Errorf("after the record: %v, want %v (%s)", back, routes, data)
	}
}
