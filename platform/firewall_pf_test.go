package platform

import (
	"net/netip"
	"strings"
	"testing"
)

func TestPFAnchorKeepsTheRuleOrderWithQuickRules(t *testing.T) {
	p := FirewallPolicy{Mode: KillSwitchAuto, Tunnels: []FirewallTunnel{{
		Interface:    "utun4",
		Endpoints:    []netip.AddrPort{netip.MustParseAddrPort("198.51.100.7:51820")},
		DNS:          []netip.Addr{netip.MustParseAddr("10.64.0.1")},
		DefaultRoute: true,
		FwMark:       0xca6c,
	}}}
	want := `pass out quick on lo0 all label "loopback"
pass in quick on lo0 all label "loopback"
pass out quick inet proto udp from any to 198.51.100.7 port 51820 label "endpoint of utun4"
pass in quick inet proto udp from 198.51.100.7 port 51820 to any label "endpoint of utun4"
pass out quick inet proto udp from any port 68 to any port 67 label "DHCPv4"
pass in quick inet proto udp from any port 67 to any port 68 label "DHCPv4"
pass out quick inet6 proto udp from any port 546 to any port 547 label "DHCPv6"
pass in quick inet6 proto udp from any port 547 to any port 546 label "DHCPv6"
pass out quick inet6 proto ipv6-icmp all icmp6-type 133 label "neighbour discovery"
pass out quick inet6 proto ipv6-icmp all icmp6-type 134 label "neighbour discovery"
pass out quick inet6 proto ipv6-icmp all icmp6-type 135 label "neighbour discovery"
pass out quick inet6 proto ipv6-icmp all icmp6-type 136 label "neighbour discovery"
pass in quick inet6 proto ipv6-icmp all icmp6-type 133 label "neighbour discovery"
pass in quick inet6 proto ipv6-icmp all icmp6-type 134 label "neighbour discovery"
pass in quick inet6 proto ipv6-icmp all icmp6-type 135 label "neighbour discovery"
pass in quick inet6 proto ipv6-icmp all icmp6-type 136 label "neighbour discovery"
pass out quick on utun4 inet proto udp from any to 10.64.0.1 port 53 label "DNS of utun4"
pass out quick on utun4 inet proto udp from any to 10.64.0.1 port 853 label "DNS of utun4"
pass out quick on utun4 inet proto tcp from any to 10.64.0.1 port 53 label "DNS of utun4"
pass out quick on utun4 inet proto tcp from any to 10.64.0.1 port 853 label "DNS of utun4"
block return out quick proto udp from any to any port 53 label "DNS outside the tunnels"
block return out quick proto udp from any to any port 853 label "DNS outside the tunnels"
block return out quick proto tcp from any to any port 53 label "DNS outside the tunnels"
block return out quick proto tcp from any to any port 853 label "DNS outside the tunnels"
pass out quick on utun4 all label "tunnel"
pass in quick on utun4 all label "tunnel"
block return out quick proto tcp all label "blocked by the kill switch"
block return out quick all label "blocked by the kill switch"
block drop in quick all label "blocked by the kill switch"
`
	if got := p.PFAnchor(); got != want {
		t.Errorf("PFAnchor():\n%s\nwant:\n%s", got, want)
	}
}

func TestPFAnchorOpensTheLANWithPrefixes(t *testing.T) {
	got := FirewallPolicy{Mode: KillSwitchAlways, AllowLAN: true}.PFAnchor()
	for _, line := range []string{
		`pass out quick inet from any to 192.168.0.0/16 label "LAN"`,
		`pass in quick inet6 from fe80::/10 to any label "LAN"`,
		`pass out quick inet from any to 255.255.255.255 label "LAN"`,
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("PFAnchor() lacks %q:\n%s", line, got)
		}
	}
	if (FirewallPolicy{Mode: KillSwitchOff}).PFAnchor() != "" {
		t.Error("a policy that does not block gives pf rules")
	}
}
