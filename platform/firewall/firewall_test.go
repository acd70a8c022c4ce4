package firewall

import (
	"net/netip"
	"testing"

	"github.com/wgtray/wgtray/service/api"
)

// packet is what the rules see of one packet; verdict below is the
// reference reading of FirewallRule that every backend implements.
type packet struct {
	hook        FirewallHook
	iface       string // "lo" is loopback
	mark        uint32
	service     bool // sent by one of the service's own sockets
	established bool
	reply       bool // in the reply direction of its connection
	proto       uint8
	remote      netip.Addr
	remotePort  uint16
	localPort   uint16
	icmpv6Type  uint8
	hopLimit    uint8
	nextHop     netip.Addr // where routing sends it: the router, or remote on the link
}

func (p packet) family() uint8 {
	if p.remote.Is4() {
		return 4
	}
	return 6
}

func (r FirewallRule) matches(p packet) bool {
	switch {
	case r.Hook != p.hook,
		r.Loopback && p.iface != "lo",
		r.Interface != "" && r.Interface != p.iface,
		r.Mark != 0 && r.Mark != p.mark,
		r.Service && !p.service,
		r.Established && !p.established,
		r.Reply && !p.reply,
		r.IPFamily() != 0 && r.IPFamily() != p.family(),
		r.Protocol != 0 && r.Protocol != p.proto,
		r.Remote.IsValid() && !r.Remote.Contains(p.remote),
		r.RemotePort != 0 && r.RemotePort != p.remotePort,
		r.LocalPort != 0 && r.LocalPort != p.localPort,
		r.ICMPv6Type != 0 && r.ICMPv6Type != p.icmpv6Type,
		r.OnLink && p.hopLimit != 255,
		r.NextHop.IsValid() && r.NextHop != p.nextHop:
		return false
	}
	return true
}

// verdict is the action of the first matching rule, 0 when the chain's
// policy drops the packet. No rules at all means no table: all accepted.
func verdict(rules []FirewallRule, p packet) FirewallAction {
	if rules == nil {
		return Accept
	}
	for _, r := range rules {
		if r.matches(p) {
			return r.Action
		}
	}
	return 0
}

var (
	tunnelEndpoint = netip.MustParseAddrPort("198.51.100.7:51820")
	tunnelDNS      = netip.MustParseAddr("10.64.0.1")
	tunnelDNS6     = netip.MustParseAddr("fd00:64::1")
	fullTunnel     = FirewallTunnel{
		Interface:    "wgt0",
		Endpoints:    []netip.AddrPort{tunnelEndpoint},
		DNS:          []netip.Addr{tunnelDNS, tunnelDNS6},
		DefaultRoute: true,
		FwMark:       0xca6c,
	}
	splitTunnel = FirewallTunnel{Interface: "office", Endpoints: []netip.AddrPort{netip.MustParseAddrPort("[2001:db8:5::1]:53")}}
)

func TestKillSwitchBlocksOnlyInAlwaysOrAutoWithAFullTunnel(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy FirewallPolicy
		want   bool
	}{
		{"off with a full tunnel", FirewallPolicy{Mode: api.KillSwitchOff, Tunnels: []FirewallTunnel{fullTunnel}}, false},
		{"auto without tunnels", FirewallPolicy{Mode: api.KillSwitchAuto}, false},
		{"auto with a split tunnel", FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{splitTunnel}}, false},
		{"auto with a full tunnel", FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{splitTunnel, fullTunnel}}, true},
		{"always without tunnels", FirewallPolicy{Mode: api.KillSwitchAlways}, true},
		{"unknown mode", FirewallPolicy{Mode: "sometimes", Tunnels: []FirewallTunnel{fullTunnel}}, false},
	} {
		if got := tc.policy.Blocking(); got != tc.want {
			t.Errorf("%s: Blocking() = %v, want %v", tc.name, got, tc.want)
		}
		if got := tc.policy.Rules() != nil; got != tc.want {
			t.Errorf("%s: has rules = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestKillSwitchRulesDecideEachKindOfTraffic(t *testing.T) {
	out := func(iface string, proto uint8, remote string, port uint16) packet {
		return packet{hook: HookOutbound, iface: iface, proto: proto, remote: netip.MustParseAddr(remote), remotePort: port}
	}
	fromService := func(p packet) packet { p.service = true; return p }
	internet := "203.0.113.9"
	lanHost := "192.168.7.20"
	for _, tc := range []struct {
		name     string
		allowLAN bool
		p        packet
		want     FirewallAction
	}{
		{"loopback", false, out("lo", ProtoTCP, "127.0.0.1", 80), Accept},
		{"internet over the physical link", false, out("eth0", ProtoTCP, internet, 443), Reject},
		{"internet over IPv6", false, out("eth0", ProtoTCP, "2001:db8:9::9", 443), Reject},
		{"ping to the internet", false, out("eth0", 1, internet, 0), Reject},
		{"anything through the tunnel", false, out("wgt0", ProtoTCP, internet, 443), Accept},
		{"IPv6 through the tunnel", false, out("wgt0", ProtoUDP, "2001:db8:9::9", 443), Accept},
		{"encrypted UDP to the endpoint", false, fromService(out("eth0", ProtoUDP, tunnelEndpoint.Addr().String(), tunnelEndpoint.Port())), Accept},
		{"another program's UDP to the endpoint", false, out("eth0", ProtoUDP, tunnelEndpoint.Addr().String(), tunnelEndpoint.Port()), Reject},
		{"other UDP to the endpoint's address", false, out("eth0", ProtoUDP, tunnelEndpoint.Addr().String(), 9), Reject},
		{"marked UDP to a roamed endpoint", false, packet{hook: HookOutbound, iface: "eth0", mark: 0xca6c, proto: ProtoUDP, remote: netip.MustParseAddr("192.0.2.1"), remotePort: 4500}, Accept},
		{"marked TCP", false, packet{hook: HookOutbound, iface: "eth0", mark: 0xca6c, proto: ProtoTCP, remote: netip.MustParseAddr(internet), remotePort: 443}, Reject},
		{"split tunnel endpoint on the DNS port", false, fromService(out("eth0", ProtoUDP, "2001:db8:5::1", 53)), Accept},
		{"another program's DNS to the split tunnel endpoint", false, out("eth0", ProtoUDP, "2001:db8:5::1", 53), Reject},
		{"DNS to the tunnel's resolver through the tunnel", false, out("wgt0", ProtoUDP, tunnelDNS.String(), 53), Accept},
		{"DNS over TLS to the tunnel's IPv6 resolver", false, out("wgt0", ProtoTCP, tunnelDNS6.String(), 853), Accept},
		{"DNS to the tunnel's resolver around the tunnel", false, out("eth0", ProtoUDP, tunnelDNS.String(), 53), Reject},
		{"DNS to an internet resolver", false, out("eth0", ProtoUDP, internet, 53), Reject},
		{"the service's endpoint look-up to an internet resolver", false, packet{hook: HookOutbound, iface: "eth0", mark: ResolverMark, proto: ProtoUDP, remote: netip.MustParseAddr(internet), remotePort: 53}, Accept},
		{"the resolver mark to another port", false, packet{hook: HookOutbound, iface: "eth0", mark: ResolverMark, proto: ProtoTCP, remote: netip.MustParseAddr(internet), remotePort: 443}, Reject},
		{"DNS to an internet resolver through the tunnel", false, out("wgt0", ProtoUDP, internet, 53), Reject},
		{"DNS over TCP to an internet resolver", false, out("eth0", ProtoTCP, internet, 53), Reject},
		{"DNS to a LAN resolver with allow_lan", true, out("eth0", ProtoUDP, "192.168.7.1", 53), Reject},
		{"DNS to the full tunnel's private resolver around the tunnel with allow_lan", true, out("eth0", ProtoUDP, tunnelDNS.String(), 53), Reject},
		{"DNS over TCP to the full tunnel's private resolver around the tunnel with allow_lan", true, out("eth0", ProtoTCP, tunnelDNS.String(), 53), Reject},
		{"DNS over TLS to the full tunnel's private IPv6 resolver around the tunnel with allow_lan", true, out("eth0", ProtoTCP, tunnelDNS6.String(), 853), Reject},
		{"forwarded DNS to the full tunnel's resolver around the tunnel with allow_lan", true, packet{hook: HookForwarded, iface: "eth0", proto: ProtoUDP, remote: tunnelDNS, remotePort: 53}, Reject},
		{"LAN host without allow_lan", false, out("eth0", ProtoTCP, lanHost, 22), Reject},
		{"LAN host with allow_lan", true, out("eth0", ProtoTCP, lanHost, 22), Accept},
		{"IPv6 link-local with allow_lan", true, out("eth0", ProtoTCP, "fe80::1", 22), Accept},
		{"multicast with allow_lan", true, out("eth0", ProtoUDP, "224.0.0.251", 5353), Accept},
		{"internet with allow_lan", true, out("eth0", ProtoTCP, internet, 443), Reject},
		{"DHCPv4 request", false, packet{hook: HookOutbound, iface: "eth0", proto: ProtoUDP, remote: netip.MustParseAddr("255.255.255.255"), localPort: 68, remotePort: 67}, Accept},
		{"DHCPv6 solicit", false, packet{hook: HookOutbound, iface: "eth0", proto: ProtoUDP, remote: netip.MustParseAddr("ff02::1:2"), localPort: 546, remotePort: 547}, Accept},
		{"neighbour solicitation", false, packet{hook: HookOutbound, iface: "eth0", proto: ProtoICMPv6, remote: netip.MustParseAddr("ff02::1:ff00:1"), icmpv6Type: 135, hopLimit: 255}, Accept},
		{"MLDv2 report", false, packet{hook: HookOutbound, iface: "eth0", proto: ProtoICMPv6, remote: netip.MustParseAddr("ff02::16"), icmpv6Type: 143, hopLimit: 1}, Accept},
		{"MLD query from the router", false, packet{hook: HookInbound, iface: "eth0", proto: ProtoICMPv6, remote: netip.MustParseAddr("fe80::1"), icmpv6Type: 130, hopLimit: 1}, Accept},
		{"MLD report type to the internet", false, packet{hook: HookOutbound, iface: "eth0", proto: ProtoICMPv6, remote: netip.MustParseAddr("2001:db8:9::9"), icmpv6Type: 143, hopLimit: 64}, Reject},
		{"ICMPv6 echo to the internet", false, packet{hook: HookOutbound, iface: "eth0", proto: ProtoICMPv6, remote: netip.MustParseAddr("2001:db8:9::9"), icmpv6Type: 128, hopLimit: 64}, Reject},
		{"router advertisement from the link", false, packet{hook: HookInbound, iface: "eth0", proto: ProtoICMPv6, remote: netip.MustParseAddr("fe80::1"), icmpv6Type: 134, hopLimit: 255}, Accept},
		{"router advertisement routed from afar", false, packet{hook: HookInbound, iface: "eth0", proto: ProtoICMPv6, remote: netip.MustParseAddr("fe80::1"), icmpv6Type: 134, hopLimit: 254}, 0},
		{"new connection from the internet", false, packet{hook: HookInbound, iface: "eth0", proto: ProtoTCP, remote: netip.MustParseAddr(internet), localPort: 22}, 0},
		{"reply from the internet", false, packet{hook: HookInbound, iface: "eth0", established: true, proto: ProtoTCP, remote: netip.MustParseAddr(internet)}, Accept},
		{"encrypted UDP from the endpoint", false, packet{hook: HookInbound, iface: "eth0", proto: ProtoUDP, remote: tunnelEndpoint.Addr(), remotePort: tunnelEndpoint.Port()}, Accept},
		{"connection from the LAN with allow_lan", true, packet{hook: HookInbound, iface: "eth0", proto: ProtoTCP, remote: netip.MustParseAddr(lanHost), localPort: 22}, Accept},
		{"forwarded to the internet", false, packet{hook: HookForwarded, iface: "eth0", proto: ProtoTCP, remote: netip.MustParseAddr(internet), remotePort: 443}, 0},
		{"forwarded connection opened before blocking, going on out", false, packet{hook: HookForwarded, iface: "eth0", established: true, proto: ProtoTCP, remote: netip.MustParseAddr(internet), remotePort: 443}, 0},
		{"forwarded reply through the tunnel", false, packet{hook: HookForwarded, iface: "docker0", established: true, reply: true, proto: ProtoTCP, remote: netip.MustParseAddr(internet)}, Accept},
		{"forwarded into the tunnel", false, packet{hook: HookForwarded, iface: "wgt0", proto: ProtoTCP, remote: netip.MustParseAddr(internet), remotePort: 443}, Accept},
		{"forwarded DNS to a LAN resolver with allow_lan", true, packet{hook: HookForwarded, iface: "eth0", proto: ProtoUDP, remote: netip.MustParseAddr("192.168.7.1"), remotePort: 53}, Reject},
	} {
		policy := FirewallPolicy{Mode: api.KillSwitchAuto, AllowLAN: tc.allowLAN, Tunnels: []FirewallTunnel{fullTunnel, splitTunnel}}
		if got := verdict(policy.Rules(), tc.p); got != tc.want {
			t.Errorf("%s: verdict %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestKillSwitchSendsAResolverATunnelRoutesOnlyThroughTheTunnel(t *testing.T) {
	office := FirewallTunnel{
		Interface:  "office",
		AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.20.0.0/16"), netip.MustParsePrefix("fd20::/64")},
		DNS:        []netip.Addr{netip.MustParseAddr("10.20.0.53"), netip.MustParseAddr("fd20::53"), netip.MustParseAddr("192.168.7.1"), netip.MustParseAddr("10.30.0.1")},
	}
	lab := FirewallTunnel{Interface: "lab", AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.30.0.0/16")}}
	dns := func(iface, resolver string, proto uint8, port uint16) packet {
		return packet{hook: HookOutbound, iface: iface, proto: proto, remote: netip.MustParseAddr(resolver), remotePort: port}
	}
	for _, tc := range []struct {
		name     string
		allowLAN bool
		p        packet
		want     FirewallAction
	}{
		{"routed resolver through its tunnel", true, dns("office", "10.20.0.53", ProtoUDP, 53), Accept},
		{"routed resolver on the LAN with allow_lan", true, dns("eth0", "10.20.0.53", ProtoUDP, 53), Reject},
		{"routed resolver over TCP on the LAN with allow_lan", true, dns("eth0", "10.20.0.53", ProtoTCP, 53), Reject},
		{"routed resolver over TLS on the LAN with allow_lan", true, dns("eth0", "10.20.0.53", ProtoTCP, 853), Reject},
		{"routed IPv6 resolver on the LAN with allow_lan", true, dns("eth0", "fd20::53", ProtoUDP, 53), Reject},
		{"resolver another tunnel routes, on the LAN with allow_lan", true, dns("eth0", "10.30.0.1", ProtoUDP, 53), Reject},
		{"unrouted LAN resolver with allow_lan", true, dns("eth0", "192.168.7.1", ProtoUDP, 53), Accept},
		{"unrouted LAN resolver without allow_lan", false, dns("eth0", "192.168.7.1", ProtoUDP, 53), Reject},
		{"unrouted LAN resolver through the tunnel without allow_lan", false, dns("office", "192.168.7.1", ProtoUDP, 53), Accept},
	} {
		policy := FirewallPolicy{Mode: api.KillSwitchAlways, AllowLAN: tc.allowLAN, Tunnels: []FirewallTunnel{office, lab}}
		if got := verdict(policy.Rules(), tc.p); got != tc.want {
			t.Errorf("%s: verdict %d, want %d", tc.name, got, tc.want)
		}
	}
}

func TestAlwaysWithoutTunnelsStillAllowsLinkUpkeepAndLAN(t *testing.T) {
	rules := FirewallPolicy{Mode: api.KillSwitchAlways, AllowLAN: true}.Rules()
	for _, p := range []packet{
		{hook: HookOutbound, iface: "lo", proto: ProtoUDP, remote: netip.MustParseAddr("127.0.0.53"), remotePort: 53},
		{hook: HookOutbound, iface: "eth0", proto: ProtoUDP, remote: netip.MustParseAddr("10.1.1.1"), localPort: 68, remotePort: 67},
		{hook: HookOutbound, iface: "eth0", proto: ProtoTCP, remote: netip.MustParseAddr("fd12::3"), remotePort: 445},
	} {
		if got := verdict(rules, p); got != Accept {
			t.Errorf("%+v: verdict %d, want accept", p, got)
		}
	}
	if got := verdict(rules, packet{hook: HookOutbound, iface: "eth0", proto: ProtoUDP, remote: netip.MustParseAddr("10.1.1.1"), remotePort: 53}); got != Reject {
		t.Errorf("DNS to a LAN resolver with no tunnel: verdict %d, want reject", got)
	}
}

func TestKillSwitchPolicyValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		policy FirewallPolicy
		ok     bool
	}{
		{"off", FirewallPolicy{Mode: api.KillSwitchOff}, true},
		{"full tunnel", FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{fullTunnel}}, true},
		{"empty mode", FirewallPolicy{}, false},
		{"unnamed interface", FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{{}}}, false},
		{"interface name too long", FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{{Interface: "a-very-long-name"}}}, false},
		{"endpoint without port", FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{{Interface: "wg0", Endpoints: []netip.AddrPort{netip.AddrPortFrom(tunnelDNS, 0)}}}}, false},
		{"invalid DNS server", FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{{Interface: "wg0", DNS: []netip.Addr{{}}}}}, false},
	} {
		if err := tc.policy.Validate(); (err == nil) != tc.ok {
			t.Errorf("%s: Validate() = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestParseKillSwitchMode(t *testing.T) {
	for _, s := range []string{"off", "auto", "always"} {
		if m, err := api.ParseKillSwitchMode(s); err != nil || string(m) != s {
			t.Errorf("api.ParseKillSwitchMode(%q) = %q, %v", s, m, err)
		}
	}
	if _, err := api.ParseKillSwitchMode("on"); err == nil {
		t.Error(`api.ParseKillSwitchMode("on") succeeded`)
	}
}

// On a trusted network with a paused full tunnel, auto lets plain traffic
// out through that network's router only: another router, or another
// interface, is blocked from the first packet.
func TestKillSwitchOnATrustedNetworkLetsOutOnlyThroughItsRouter(t *testing.T) {
	gw, gw6 := netip.MustParseAddr("192.168.1.1"), netip.MustParseAddr("fe80::1")
	p := FirewallPolicy{Mode: api.KillSwitchAuto, Trusted: &TrustedWay{Interface: "eth0", Gateway: gw, GatewayMAC: "02:00:00:00:00:0a", Router6: gw6}}
	if !p.Blocking() || p.Validate() != nil {
		t.Fatalf("blocking %t, valid %v", p.Blocking(), p.Validate())
	}
	via := func(iface, remote string, port uint16, hop netip.Addr) packet {
		return packet{hook: HookOutbound, iface: iface, proto: ProtoTCP, remote: netip.MustParseAddr(remote), remotePort: port, nextHop: hop}
	}
	for _, tc := range []struct {
		name string
		p    packet
		want FirewallAction
	}{
		{"the internet through the trusted router", via("eth0", "203.0.113.9", 443, gw), Accept},
		{"DNS to the trusted router itself", packet{hook: HookOutbound, iface: "eth0", proto: ProtoUDP, remote: gw, remotePort: 53, nextHop: gw}, Accept},
		{"IPv6 through the trusted router", via("eth0", "2001:db8::9", 443, gw6), Accept},
		{"the internet through another router", via("eth0", "203.0.113.9", 443, netip.MustParseAddr("10.0.0.1")), Reject},
		{"another IPv6 router", via("eth0", "2001:db8::9", 443, netip.MustParseAddr("fe80::2")), Reject},
		{"the trusted router's address on another interface", via("wlan0", "203.0.113.9", 443, gw), Reject},
		{"a host on the link (not the router)", via("eth0", "192.168.1.20", 22, netip.MustParseAddr("192.168.1.20")), Reject},
	} {
		if got := verdict(p.Rules(), tc.p); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	p.Trusted.GatewayMAC = "not a MAC"
	if p.Validate() == nil {
		t.Error("a bad gateway MAC passes")
	}
}
