package firewall

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/wgtray/wgtray/service/api"
)

func wfpText(fs []wfpFilter) string {
	var b strings.Builder
	for _, f := range fs {
		b.WriteString(f.String())
		b.WriteByte('\n')
	}
	return b.String()
}

func TestWFPFiltersTranslateEachRuleInOrder(t *testing.T) {
	rules := []FirewallRule{
		{Hook: HookOutbound, Why: "loopback", Loopback: true, Action: Accept},
		{Hook: HookInbound, Why: "replies to allowed traffic", Established: true, Action: Accept},
		{Hook: HookOutbound, Why: "encrypted UDP of office", Mark: 0xca6c, Protocol: ProtoUDP, Action: Accept},
		{Hook: HookInbound, Why: "endpoint of office", Protocol: ProtoUDP, Remote: netip.MustParsePrefix("2001:db8::7/128"), RemotePort: 51820, Action: Accept},
		{Hook: HookOutbound, Why: "DHCPv4", Family: 4, Protocol: ProtoUDP, LocalPort: 68, RemotePort: 67, Action: Accept},
		{Hook: HookInbound, Why: "neighbour discovery", Protocol: ProtoICMPv6, ICMPv6Type: 135, OnLink: true, Action: Accept},
		{Hook: HookForwarded, Why: "DNS of office", Interface: "office", Protocol: ProtoUDP, Remote: netip.MustParsePrefix("10.64.0.1/32"), RemotePort: 53, Action: Accept},
		{Hook: HookOutbound, Why: "DNS of office", Interface: "office", Protocol: ProtoTCP, Remote: netip.MustParsePrefix("10.64.0.1/32"), RemotePort: 853, Action: Accept},
		{Hook: HookOutbound, Why: "DNS outside the tunnels", Protocol: ProtoUDP, RemotePort: 53, Action: Reject},
		{Hook: HookOutbound, Why: "LAN", Remote: netip.MustParsePrefix("192.168.7.1/16"), Action: Accept},
		{Hook: HookOutbound, Why: "blocked by the kill switch", Action: Reject},
	}
	want := `connect/v4 permit loopback "loopback"
connect/v6 permit loopback "loopback"
connect/v4 permit app=service protocol=17 "encrypted UDP of office"
connect/v6 permit app=service protocol=17 "encrypted UDP of office"
accept/v6 permit protocol=17 remote=2001:db8::7/128 remote-port=51820 "endpoint of office"
connect/v4 permit protocol=17 remote-port=67 local-port=68 "DHCPv4"
accept/v6 permit protocol=58 local-port=135 "neighbour discovery"
connect/v4 permit interface=office protocol=6 remote=10.64.0.1/32 remote-port=853 "DNS of office"
connect/v4 block protocol=17 remote-port=53 "DNS outside the tunnels"
connect/v6 block protocol=17 remote-port=53 "DNS outside the tunnels"
connect/v4 permit remote=192.168.0.0/16 "LAN"
connect/v4 block "blocked by the kill switch"
connect/v6 block "blocked by the kill switch"
accept/v4 block "blocked by the kill switch"
accept/v6 block "blocked by the kill switch"
`
	if got := wfpText(wfpFiltersOf(rules)); got != want {
		t.Errorf("filters:\n%s\nwant:\n%s", got, want)
	}
}

func TestWFPFiltersOfAPolicyEndByBlockingBothWaysAndBothFamilies(t *testing.T) {
	p := FirewallPolicy{Mode: api.KillSwitchAuto, AllowLAN: true, Tunnels: []FirewallTunnel{{
		Interface:    "office",
		Endpoints:    []netip.AddrPort{netip.MustParseAddrPort("198.51.100.7:51820")},
		DNS:          []netip.Addr{netip.MustParseAddr("10.64.0.1")},
		DefaultRoute: true,
	}}}
	fs := p.wfpFilters()
	if len(fs) < 4 {
		t.Fatalf("only %d filters:\n%s", len(fs), wfpText(fs))
	}
	tail := wfpText(fs[len(fs)-4:])
	want := `connect/v4 block "blocked by the kill switch"
connect/v6 block "blocked by the kill switch"
accept/v4 block "blocked by the kill switch"
accept/v6 block "blocked by the kill switch"
`
	if tail != want {
		t.Errorf("the filters end with\n%s\nwant\n%s", tail, want)
	}
	text := wfpText(fs)
	for _, line := range []string{
		`connect/v4 permit loopback "loopback"`,
		`connect/v4 permit app=service protocol=17 remote=198.51.100.7/32 remote-port=51820 "endpoint of office"`,
		`accept/v4 permit protocol=17 remote=198.51.100.7/32 remote-port=51820 "endpoint of office"`,
		`connect/v6 permit interface=office "tunnel"`,
		`accept/v4 permit interface=office "tunnel"`,
		`accept/v6 permit remote=fe80::/10 "LAN"`,
	} {
		if !strings.Contains(text, line+"\n") {
			t.Errorf("no filter %s in\n%s", line, text)
		}
	}
	if strings.Contains(text, "replies") {
		t.Errorf("a filter for established traffic, which the stateful ALE layers do not need:\n%s", text)
	}
}

func TestWFPFiltersNoneWhenThePolicyDoesNotBlock(t *testing.T) {
	for _, p := range []FirewallPolicy{
		{Mode: api.KillSwitchOff},
		{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{{Interface: "split", DefaultRoute: false}}},
	} {
		if fs := p.wfpFilters(); fs != nil {
			t.Errorf("%+v: %d filters, want none", p, len(fs))
		}
	}
}

func TestWFPIPv4PrefixesAreNumbersInHostOrder(t *testing.T) {
	for _, tc := range []struct {
		prefix     string
		addr, mask uint32
	}{
		{"192.168.7.1/16", 0xc0a80000, 0xffff0000},
		{"10.64.0.1/32", 0x0a400001, 0xffffffff},
		{"0.0.0.0/0", 0, 0},
	} {
		addr, mask := wfpV4AddrMask(netip.MustParsePrefix(tc.prefix))
		if addr != tc.addr || mask != tc.mask {
			t.Errorf("%s: %#08x/%#08x, want %#08x/%#08x", tc.prefix, addr, mask, tc.addr, tc.mask)
		}
	}
}
