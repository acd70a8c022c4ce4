// Package firewall is the kill switch: one OS-neutral rule set (Rules),
// checked by a reference interpreter in the tests, and its translations for
// nftables (firewall_linux.go), WFP (wfpfilters.go, built and tested on every
// OS, applied by wfp_windows.go) and pf (pfanchor.go, likewise, loaded by
// firewall_darwin.go).
package firewall

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"

	"github.com/wgtray/wgtray/internal/atomicfile"

	"github.com/wgtray/wgtray/platform/paths"
	"github.com/wgtray/wgtray/service/api"
)

// FirewallPolicy is everything the kill switch needs to know to write its
// rules. The service builds it from its settings and the tunnels it holds
// and hands it to Firewall.Apply on every change.
type FirewallPolicy struct {
	Mode     api.KillSwitchMode `json:"mode"`
	AllowLAN bool               `json:"allow_lan"` // private, link-local and multicast ranges stay reachable
	Tunnels  []FirewallTunnel   `json:"tunnels"`
	// Trusted is set in auto mode while the laptop is on a trusted
	// network and a tunnel that routes a default route is paused there.
	// The kill switch then keeps blocking, but lets plain traffic out
	// through that network's router: its interface and next hop, and on
	// Linux only to the router's MAC address. A move to another router
	// is blocked from its first packet, before the service notices it
	// and brings the tunnel back.
	Trusted *TrustedWay `json:"trusted,omitempty"`
}

// TrustedWay is the way out of a trusted network: its interface, its
// default gateway and IPv6 router, and the gateway's MAC address.
type TrustedWay struct {
	Interface  string     `json:"interface"`
	Gateway    netip.Addr `json:"gateway"`
	GatewayMAC string     `json:"gateway_mac,omitempty"`
	Router6    netip.Addr `json:"router6,omitzero"`
}

// FirewallTunnel is one tunnel the kill switch lets through. The service
// lists every tunnel that is up, starting, or failed while still meant to be
// up, so that blocking does not lapse while a tunnel comes back.
type FirewallTunnel struct {
	// Interface is the tunnel's interface name. It need not exist yet:
	// rules match it by name.
	Interface string `json:"interface"`
	// Endpoints are the peers' current endpoints (after resolution and
	// roaming); the encrypted UDP to them is allowed.
	Endpoints []netip.AddrPort `json:"endpoints"`
	// DNS are the only resolvers queries may reach while blocking.
	DNS []netip.Addr `json:"dns"`
	// AllowedIPs are the ranges the tunnel routes. A resolver inside any
	// tunnel's ranges is reached only through its tunnel, even with
	// AllowLAN: a route pushed by the LAN (DHCP option 121) must not send
	// its queries out in plaintext.
	AllowedIPs []netip.Prefix `json:"allowed_ips,omitempty"`
	// DefaultRoute is true when the tunnel routes 0.0.0.0/0 or ::/0; only
	// such a tunnel turns blocking on in auto mode.
	DefaultRoute bool `json:"default_route"`
	// FwMark is the mark on the tunnel's bind socket, 0 if none. Traffic
	// carrying it is the service's own and may reach any endpoint, so
	// roaming does not wait for a new policy. Only a process with
	// CAP_NET_ADMIN can set a mark.
	FwMark uint32 `json:"fwmark"`
}

// Firewall is the kill switch of this machine: it enforces a policy in the
// OS firewall (nftables on Linux) and keeps a copy of the policy so that
// Restore can put the rules back at boot, before the network comes up.
type Firewall struct {
	saved string // where Apply keeps the policy; "" keeps none
	sys   firewallSys

	mu        sync.Mutex
	lastSaved []byte // what Apply wrote to saved last
}

// NewFirewall returns the kill switch of the current network namespace,
// keeping its policy in the state directory.
// log gets what the kill switch does on its own, after Apply returned.
func NewFirewall(log *slog.Logger) *Firewall {
	return &Firewall{saved: filepath.Join(paths.StateDir(), "firewall.json"), sys: newFirewallSys(log)}
}

// Apply makes the OS's rules match the policy, replacing whatever rules the
// kill switch had before (also rules left by a service that died: this is
// how the service reconciles at start). A policy that does not block
// removes them all.
func (f *Firewall) Apply(p FirewallPolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if err := f.sys.apply(p); err != nil {
		return err
	}
	if f.saved == "" {
		return nil
	}
	if !p.Blocking() {
		// Restore does nothing with a policy that blocks nothing, whatever
		// its tunnels: only the settings are kept, so that tunnels coming
		// and going while nothing blocks cost no write and no fsync.
		p = FirewallPolicy{Mode: p.Mode, AllowLAN: p.AllowLAN}
	}
	data, err := json.MarshalIndent(p, "", "\t")
	if err != nil {
		return fmt.Errorf("kill switch: encode policy: %w", err)
	}
	data = append(data, '\n')
	f.mu.Lock()
	defer f.mu.Unlock()
	if bytes.Equal(data, f.lastSaved) {
		return nil
	}
	if err := savePolicy(f.saved, data); err != nil {
		return err
	}
	f.lastSaved = data
	return nil
}

// Active reports whether kill-switch rules are in force now.
func (f *Firewall) Active() (bool, error) { return f.sys.active() }

// Lift removes the kill switch's rules without recording it: the saved
// policy stays for Restore. It is for removing wgtray from a machine, when
// no service will ever lift the rules again.
func (f *Firewall) Lift() error { return f.sys.apply(FirewallPolicy{Mode: api.KillSwitchOff}) }

// Restore applies the policy Apply saved last; it is what runs at boot. With
// nothing saved it does nothing. A saved policy that cannot be read blocks
// everything (always, without LAN): failing closed is the point.
func (f *Firewall) Restore() (FirewallPolicy, error) {
	p, err := loadPolicy(f.saved)
	if errors.Is(err, fs.ErrNotExist) {
		return FirewallPolicy{Mode: api.KillSwitchOff}, nil
	}
	if err != nil {
		lockdown := FirewallPolicy{Mode: api.KillSwitchAlways}
		if aerr := f.sys.apply(lockdown); aerr != nil {
			return lockdown, errors.Join(err, aerr)
		}
		return lockdown, fmt.Errorf("%w; blocking all traffic until the service sets the kill switch again", err)
	}
	if err := p.Validate(); err != nil {
		return p, fmt.Errorf("kill switch: saved policy %s: %w", f.saved, err)
	}
	return p, f.sys.apply(p)
}

func savePolicy(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("kill switch: save policy: %w", err)
	}
	if err := atomicfile.Write(path, data, 0o600); err != nil {
		return fmt.Errorf("kill switch: save policy: %w", err)
	}
	return nil
}

func loadPolicy(path string) (FirewallPolicy, error) {
	var p FirewallPolicy
	data, err := os.ReadFile(path)
	if err != nil {
		return p, err
	}
	if err := json.Unmarshal(data, &p); err != nil {
		return p, fmt.Errorf("kill switch: saved policy %s is corrupt: %w", path, err)
	}
	return p, nil
}

// Blocking reports whether the policy blocks traffic outside the tunnels.
func (p FirewallPolicy) Blocking() bool {
	switch p.Mode {
	case api.KillSwitchAlways:
		return true
	case api.KillSwitchAuto:
		if p.Trusted != nil {
			return true
		}
		for _, t := range p.Tunnels {
			if t.DefaultRoute {
				return true
			}
		}
	}
	return false
}

// Validate reports a policy no backend can enforce.
func (p FirewallPolicy) Validate() error {
	if _, err := api.ParseKillSwitchMode(string(p.Mode)); err != nil {
		return err
	}
	if w := p.Trusted; w != nil {
		if w.Interface == "" || len(w.Interface) > 15 || !w.Gateway.IsValid() || (w.Router6.IsValid() && !w.Router6.Is6()) {
			return fmt.Errorf("kill switch: the trusted network's way out (%s via %s) is not an interface and a router", w.Interface, w.Gateway)
		}
		if w.GatewayMAC != "" {
			if hw, err := net.ParseMAC(w.GatewayMAC); err != nil || len(hw) != 6 {
				return fmt.Errorf("kill switch: the trusted network's gateway MAC %q is not a MAC address", w.GatewayMAC)
			}
		}
	}
	for _, t := range p.Tunnels {
		if t.Interface == "" || len(t.Interface) > 15 {
			return fmt.Errorf("kill switch: tunnel interface name %q must be 1 to 15 characters", t.Interface)
		}
		for _, e := range t.Endpoints {
			if !e.IsValid() || e.Port() == 0 {
				return fmt.Errorf("kill switch: tunnel %s: endpoint %s is not an address and port", t.Interface, e)
			}
		}
		for _, a := range t.DNS {
			if !a.IsValid() {
				return errors.New("kill switch: tunnel " + t.Interface + " has an invalid DNS server")
			}
		}
	}
	return nil
}

// FirewallHook is where a rule applies.
type FirewallHook uint8

// The hooks: traffic this machine sends, receives, or routes for others.
const (
	HookOutbound FirewallHook = iota + 1
	HookInbound
	HookForwarded
)

// FirewallAction is what a matching rule does.
type FirewallAction uint8

// Accept lets the packet through; Reject refuses it with an error to the
// local sender (TCP reset, ICMP administratively prohibited) so that
// applications fail at once instead of timing out. Everything that no rule
// accepts is dropped.
const (
	Accept FirewallAction = iota + 1
	Reject
)

// IP protocol numbers used by the rules.
const (
	ProtoTCP    uint8 = 6
	ProtoUDP    uint8 = 17
	ProtoICMPv6 uint8 = 58
)

// FirewallRule is one rule of the kill switch, in an OS-neutral form that
// each backend (nftables, WFP, pf) translates. Rules of one hook are tried
// in order and the first match wins; a packet no rule accepts is dropped.
// Every field that is set must match; a zero field matches anything.
type FirewallRule struct {
	Hook FirewallHook
	Why  string // a short reason, shown as the rule's comment
	// Loopback matches the loopback interface.
	Loopback bool
	// Interface is the interface a packet leaves by (outbound, forwarded)
	// or arrives on (inbound).
	Interface string
	// Mark is the socket mark of an outbound packet. Backends without marks
	// match the service's own sockets instead (its application identity).
	Mark uint32
	// Service matches outbound packets of the service's own sockets only:
	// on Linux and macOS sockets opened by root, which the service runs
	// as; on Windows sockets of the service's executable running as the
	// service's user. Programs of other users cannot use what such a rule
	// allows.
	Service bool
	// Established matches packets of connections already allowed
	// (connection tracking: established or related).
	Established bool
	// Reply narrows Established to packets in the reply direction of their
	// connection: a connection's own direction must pass the rules anew.
	Reply bool
	// Family is 4 or 6 to match one IP version; it is implied by Remote
	// when Remote is set.
	Family   uint8
	Protocol uint8 // ProtoTCP, ProtoUDP, ProtoICMPv6
	// Remote is the other end: the destination of an outbound or forwarded
	// packet, the source of an inbound one.
	Remote     netip.Prefix
	RemotePort uint16
	LocalPort  uint16
	// ICMPv6Type matches that ICMPv6 message type (with ProtoICMPv6).
	ICMPv6Type uint8
	// NextHop matches outbound and forwarded packets that routing sends
	// to this next hop (the router, or the destination itself when it is
	// on the link). Backends that cannot match it (WFP, pf) match the
	// interface alone.
	NextHop netip.Addr
	// OnLink matches IPv6 packets with hop limit 255, which only a
	// neighbour on the link can send (RFC 4861).
	OnLink bool
	Action FirewallAction
}

// IPFamily is the IP version the rule matches, 0 for both.
func (r FirewallRule) IPFamily() uint8 {
	switch {
	case r.Remote.IsValid() && r.Remote.Addr().Is4(), r.NextHop.Is4():
		return 4
	case r.Remote.IsValid(), r.NextHop.Is6():
		return 6
	case r.Protocol == ProtoICMPv6 || r.OnLink:
		return 6
	}
	return r.Family
}

// LANPrefixes are the ranges allow_lan opens: private, link-local,
// multicast and broadcast, IPv4 and IPv6.
var LANPrefixes = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("172.16.0.0/12"),
	netip.MustParsePrefix("192.168.0.0/16"),
	netip.MustParsePrefix("169.254.0.0/16"),
	netip.MustParsePrefix("224.0.0.0/4"),
	netip.MustParsePrefix("255.255.255.255/32"),
	netip.MustParsePrefix("fc00::/7"),
	netip.MustParsePrefix("fe80::/10"),
	netip.MustParsePrefix("ff00::/8"),
}

var broadcast = netip.AddrFrom4([4]byte{255, 255, 255, 255})

// dnsPorts are plain DNS and DNS over TLS or QUIC.
var dnsPorts = []uint16{53, 853}

// neighbourDiscovery are the ICMPv6 messages that keep an IPv6 link up:
// router solicitation and advertisement, neighbour solicitation and
// advertisement.
var neighbourDiscovery = []uint8{133, 134, 135, 136}

// Multicast listener discovery (MLDv1 and v2, RFC 3810): switches that
// snoop it forward the neighbour solicitations for this machine's addresses
// only to ports whose host reported listening. Its messages carry hop limit
// 1, so they are told by their link-scope addresses instead.
var (
	mldReports               = []uint8{131, 143}
	mldQuery           uint8 = 130
	linkScopeMulticast       = netip.MustParsePrefix("ff02::/16")
	linkLocal6               = netip.MustParsePrefix("fe80::/10")
)

// Rules is the rule set that enforces the policy, nil when it does not
// block. The order matters and every backend keeps it:
//
//  1. loopback;
//  2. the service's encrypted UDP (by mark and by endpoint) and its own DNS
//     look-ups of endpoints (by ResolverMark), before the DNS rules so an
//     endpoint on port 53 keeps working;
//  3. DHCPv4, DHCPv6, neighbour discovery and multicast listener
//     discovery;
//  3. with Trusted, what leaves through the trusted network's interface to
//     its router (the router's own DNS among it);
//  4. DNS to the tunnels' resolvers, then every other DNS query refused,
//     before the tunnel and LAN allowances so that a resolver on the LAN
//     (or a route that bypasses the tunnel) gets no query. A resolver
//     leaves by its tunnel's interface only, unless it is in the LAN ranges
//     with AllowLAN and no tunnel routes it;
//  5. the tunnel interfaces;
//  6. with AllowLAN, the LAN ranges;
//  7. outbound, everything else refused with an error.
func (p FirewallPolicy) Rules() []FirewallRule {
	if !p.Blocking() {
		return nil
	}
	var rs []FirewallRule
	add := func(r FirewallRule) { rs = append(rs, r) }
	lan := func(a netip.Addr) bool {
		for _, pfx := range LANPrefixes {
			if pfx.Contains(a) {
				return true
			}
		}
		return false
	}
	routed := func(a netip.Addr) bool {
		for _, t := range p.Tunnels {
			if t.DefaultRoute {
				return true
			}
			for _, pfx := range t.AllowedIPs {
				if pfx.Contains(a) {
					return true
				}
			}
		}
		return false
	}

	for _, h := range []FirewallHook{HookOutbound, HookInbound} {
		add(FirewallRule{Hook: h, Why: "loopback", Loopback: true, Action: Accept})
	}
	add(FirewallRule{Hook: HookInbound, Why: "replies to allowed traffic", Established: true, Action: Accept})
	// Only replies: a forwarded connection (a container's, a VM's, a
	// tethered phone's) that was open before blocking began must not go on
	// leaving outside the tunnel.
	add(FirewallRule{Hook: HookForwarded, Why: "replies to allowed traffic", Established: true, Reply: true, Action: Accept})

	for _, t := range p.Tunnels {
		if t.FwMark != 0 {
			add(FirewallRule{Hook: HookOutbound, Why: "encrypted UDP of " + t.Interface, Mark: t.FwMark, Protocol: ProtoUDP, Action: Accept})
		}
		for _, e := range t.Endpoints {
			remote := netip.PrefixFrom(e.Addr().Unmap(), e.Addr().Unmap().BitLen())
			add(FirewallRule{Hook: HookOutbound, Why: "endpoint of " + t.Interface, Service: true, Protocol: ProtoUDP, Remote: remote, RemotePort: e.Port(), Action: Accept})
			add(FirewallRule{Hook: HookInbound, Why: "endpoint of " + t.Interface, Protocol: ProtoUDP, Remote: remote, RemotePort: e.Port(), Action: Accept})
		}
	}

	// The service's own look-ups of endpoint host names carry
	// ResolverMark: they must work while everything else is blocked, or a
	// tunnel to a host name could never come up. The name of the endpoint
	// is all they tell the resolver.
	for _, proto := range []uint8{ProtoUDP, ProtoTCP} {
		add(FirewallRule{Hook: HookOutbound, Why: "endpoint look-ups of the service", Mark: ResolverMark, Protocol: proto, RemotePort: 53, Action: Accept})
	}

	add(FirewallRule{Hook: HookOutbound, Why: "DHCPv4", Family: 4, Protocol: ProtoUDP, LocalPort: 68, RemotePort: 67, Action: Accept})
	add(FirewallRule{Hook: HookInbound, Why: "DHCPv4", Family: 4, Protocol: ProtoUDP, LocalPort: 68, RemotePort: 67, Action: Accept})
	add(FirewallRule{Hook: HookOutbound, Why: "DHCPv6", Family: 6, Protocol: ProtoUDP, LocalPort: 546, RemotePort: 547, Action: Accept})
	add(FirewallRule{Hook: HookInbound, Why: "DHCPv6", Family: 6, Protocol: ProtoUDP, LocalPort: 546, RemotePort: 547, Action: Accept})
	for _, h := range []FirewallHook{HookOutbound, HookInbound} {
		for _, typ := range neighbourDiscovery {
			add(FirewallRule{Hook: h, Why: "neighbour discovery", Protocol: ProtoICMPv6, ICMPv6Type: typ, OnLink: true, Action: Accept})
		}
	}
	for _, typ := range mldReports {
		add(FirewallRule{Hook: HookOutbound, Why: "multicast listener report", Protocol: ProtoICMPv6, ICMPv6Type: typ, Remote: linkScopeMulticast, Action: Accept})
	}
	add(FirewallRule{Hook: HookInbound, Why: "multicast listener query", Protocol: ProtoICMPv6, ICMPv6Type: mldQuery, Remote: linkLocal6, Action: Accept})

	if w := p.Trusted; w != nil {
		hops := []netip.Addr{w.Gateway}
		if w.Router6.IsValid() && w.Router6 != w.Gateway {
			hops = append(hops, w.Router6)
		}
		for _, hop := range hops {
			for _, h := range []FirewallHook{HookOutbound, HookForwarded} {
				add(FirewallRule{Hook: h, Why: "trusted network", Interface: w.Interface, NextHop: hop, Action: Accept})
			}
		}
	}

	for _, h := range []FirewallHook{HookOutbound, HookForwarded} {
		for _, t := range p.Tunnels {
			for _, a := range t.DNS {
				remote := netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
				via := t.Interface
				if p.AllowLAN && lan(a) && !routed(a.Unmap()) {
					via = ""
				}
				for _, proto := range []uint8{ProtoUDP, ProtoTCP} {
					for _, port := range dnsPorts {
						add(FirewallRule{Hook: h, Why: "DNS of " + t.Interface, Interface: via, Protocol: proto, Remote: remote, RemotePort: port, Action: Accept})
					}
				}
			}
		}
		for _, proto := range []uint8{ProtoUDP, ProtoTCP} {
			for _, port := range dnsPorts {
				add(FirewallRule{Hook: h, Why: "DNS outside the tunnels", Protocol: proto, RemotePort: port, Action: Reject})
			}
		}
	}

	for _, t := range p.Tunnels {
		add(FirewallRule{Hook: HookOutbound, Why: "tunnel", Interface: t.Interface, Action: Accept})
		add(FirewallRule{Hook: HookInbound, Why: "tunnel", Interface: t.Interface, Action: Accept})
		add(FirewallRule{Hook: HookForwarded, Why: "tunnel", Interface: t.Interface, Action: Accept})
	}

	if p.AllowLAN {
		for _, h := range []FirewallHook{HookOutbound, HookInbound, HookForwarded} {
			for _, pfx := range LANPrefixes {
				if h == HookInbound && (pfx.Addr().IsMulticast() || pfx.Addr() == broadcast) {
					continue // never a source address
				}
				add(FirewallRule{Hook: h, Why: "LAN", Remote: pfx, Action: Accept})
			}
		}
	}

	add(FirewallRule{Hook: HookOutbound, Why: "blocked by the kill switch", Protocol: ProtoTCP, Action: Reject})
	add(FirewallRule{Hook: HookOutbound, Why: "blocked by the kill switch", Action: Reject})
	return rs
}
