package netconf

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// The macOS network plan, as wg-quick makes it on macOS: the commands for
// ifconfig(8) and route(8) that give a utun its MTU, addresses and routes,
// and the host routes that keep the tunnel's own packets out of a default
// route through it. Plain data, so it is tested on any OS; the darwin
// backend reads the routing table and runs the commands.

const (
	ifconfigPath = "/sbin/ifconfig"
	routePath    = "/sbin/route"
)

// macCommand is one run of ifconfig(8) or route(8).
type macCommand struct {
	Path string
	Args []string
}

func (c macCommand) String() string { return c.Path + " " + strings.Join(c.Args, " ") }

// macInterfaceCommands bring the utun up with its MTU, then give it its
// addresses: an IPv4 address as a point-to-point link to itself, as
// wg-quick does, since a utun has no link layer.
func macInterfaceCommands(ifname string, mtu int, addrs []netip.Prefix) (up macCommand, addresses []macCommand) {
	up = macCommand{ifconfigPath, []string{ifname, "mtu", fmt.Sprint(mtu), "up"}}
	for _, p := range addrs {
		if p.Addr().Is4() {
			addresses = append(addresses, macCommand{ifconfigPath, []string{ifname, "inet", p.String(), p.Addr().String(), "alias"}})
		} else {
			addresses = append(addresses, macCommand{ifconfigPath, []string{ifname, "inet6", p.String(), "alias"}})
		}
	}
	return up, addresses
}

// macRoute is one route as route(8) adds it: through a next hop, out of
// an interface, or into a blackhole.
type macRoute struct {
	Dst       netip.Prefix `json:"dst"`
	Gateway   netip.Addr   `json:"gateway,omitzero"` // may carry a zone: fe80::1%en0
	Interface string       `json:"interface,omitempty"`
	Blackhole bool         `json:"blackhole,omitempty"`
}

func (r macRoute) String() string {
	switch {
	case r.Blackhole:
		return r.Dst.String() + " blackhole"
	case r.Gateway.IsValid():
		return r.Dst.String() + " via " + r.Gateway.String()
	}
	return r.Dst.String() + " dev " + r.Interface
}

// dstArgs name the destination as route(8) reads it: a host by its
// address (-host, so that no address is taken for a classful network), a
// network in CIDR notation.
func (r macRoute) dstArgs() []string {
	family := "-inet"
	if r.Dst.Addr().Is6() {
		family = "-inet6"
	}
	if r.Dst.IsSingleIP() {
		return []string{family, "-host", r.Dst.Addr().String()}
	}
	return []string{family, "-net", r.Dst.Masked().String()}
}

func (r macRoute) add() macCommand {
	args := append([]string{"-q", "-n", "add"}, r.dstArgs()...)
	switch {
	case r.Blackhole:
		loopback := "127.0.0.1"
		if r.Dst.Addr().Is6() {
			loopback = "::1"
		}
		args = append(args, loopback, "-blackhole")
	case r.Gateway.IsValid():
		args = append(args, "-gateway", r.Gateway.String())
	default:
		args = append(args, "-interface", r.Interface)
	}
	return macCommand{routePath, args}
}

func (r macRoute) delete() macCommand {
	return macCommand{routePath, append([]string{"-q", "-n", "delete"}, r.dstArgs()...)}
}

// Halves of each address family: a default route through the tunnel is
// added as the two, which win over the system's default route without
// replacing it, so the system keeps it to reach the endpoints and to pick
// its primary interface.
var macHalves = map[int][]netip.Prefix{
	4: {netip.MustParsePrefix("0.0.0.0/1"), netip.MustParsePrefix("128.0.0.0/1")},
	6: {netip.MustParsePrefix("::/1"), netip.MustParsePrefix("8000::/1")},
}

// macTunnelRoutes are the routes into the tunnel for its allowed
// prefixes, and the families (4, 6) whose default route the tunnel takes.
func macTunnelRoutes(ifname string, prefixes []netip.Prefix) (routes []macRoute, defaults []int) {
	var seen []netip.Prefix
	add := func(p netip.Prefix) {
		if !slices.Contains(seen, p) {
			seen = append(seen, p)
			routes = append(routes, macRoute{Dst: p, Interface: ifname})
		}
	}
	for _, p := range prefixes {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()).Masked()
		if p.Bits() != 0 {
			add(p)
			continue
		}
		family := 4
		if p.Addr().Is6() {
			family = 6
		}
		if !slices.Contains(defaults, family) {
			defaults = append(defaults, family)
		}
		for _, half := range macHalves[family] {
			add(half)
		}
	}
	slices.Sort(defaults)
	return routes, defaults
}

// macSystemRoute is a route of the system's routing table, as the darwin
// backend reads it from the routing socket.
type macSystemRoute struct {
	Dst       netip.Prefix
	Gateway   netip.Addr // zero for a route out of an interface
	Interface string
	// Scoped routes (RTF_IFSCOPE) serve only sockets bound to their
	// interface: macOS scopes the default routes of every interface but
	// the primary one.
	Scoped bool
}

// macGateway is where the system's default route of a family leads.
type macGateway struct {
	Addr      netip.Addr
	Interface string
}

func (g macGateway) valid() bool { return g.Addr.IsValid() || g.Interface != "" }

// macDefaultGateway is the system's default route of the family (4 or 6)
// that does not go through the tunnel's interface: the unscoped one, or,
// when a VPN made itself the primary service and the system scoped the
// old default route, a scoped one.
func macDefaultGateway(table []macSystemRoute, family int, tunnel string) macGateway {
	var scoped macGateway
	for _, r := range table {
		if r.Dst.Bits() != 0 || r.Interface == tunnel || r.Interface == "" {
			continue
		}
		if (family == 4) != r.Dst.Addr().Is4() {
			continue
		}
		g := macGateway{Addr: r.Gateway, Interface: r.Interface}
		if !r.Scoped {
			return g
		}
		if !scoped.valid() {
			scoped = g
		}
	}
	return scoped
}

// macEndpointRoutes are the host routes that send the tunnel's encrypted
// packets to its endpoints around the tunnel's default route: through the
// family's default gateway, or into a blackhole while the system has none,
// since no route at all is better than a routing loop. Endpoints of a
// family the tunnel does not take the default route of need none.
func macEndpointRoutes(endpoints []netip.Addr, defaults []int, gateways map[int]macGateway) []macRoute {
	var routes []macRoute
	for _, ep := range endpoints {
		ep = ep.Unmap().WithZone("")
		family := 4
		if ep.Is6() {
			family = 6
		}
		if !ep.IsValid() || !slices.Contains(defaults, family) {
			continue
		}
		r := macRoute{Dst: netip.PrefixFrom(ep, ep.BitLen())}
		switch g := gateways[family]; {
		case g.Addr.IsValid():
			r.Gateway = g.Addr
		case g.Interface != "":
			r.Interface = g.Interface
		default:
			r.Blackhole = true
		}
		if !slices.Contains(routes, r) {
			routes = append(routes, r)
		}
	}
	return routes
}

// macRouteChanges are the routes to delete and to add to go from the
// routes in place to the wanted ones; a route whose destination stays but
// whose next hop changes is deleted and added again.
func macRouteChanges(have, want []macRoute) (del, add []macRoute) {
	for _, r := range have {
		if !slices.Contains(want, r) {
			del = append(del, r)
		}
	}
	for _, r := range want {
		if !slices.Contains(have, r) {
			add = append(add, r)
		}
	}
	return del, add
}
