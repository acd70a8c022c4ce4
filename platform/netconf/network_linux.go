package netconf

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"syscall"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// firstPolicyTable is where wg-quick starts looking for a free routing
// table (and firewall mark) for a full tunnel.
const firstPolicyTable = 51820

// wireguardOverhead is what WireGuard adds to each packet over IPv6, the
// larger case: wg-quick subtracts it from the path MTU.
const wireguardOverhead = 80

type linuxNetwork struct {
	name         string
	index        int
	mark         uint32
	defaultRoute bool
	addrs        []*netlink.Addr
	routes       []*netlink.Route
	rules        []*netlink.Rule
	stateDir     string
	// What SetRoutes needs to route as ApplyNetwork did.
	routesOff   bool
	table       int
	policyTable int // 0 without policy routing
	families    []int
}

// ApplyNetwork gives the interface its addresses and MTU, brings it up and
// routes the prefixes into it. A default route (Table = auto) uses
// wg-quick's policy routing: the tunnel's UDP socket gets a firewall mark,
// the default route goes into its own table, a `not fwmark` rule sends
// everything else there, and a `suppress_prefixlength 0` rule keeps the
// main table's more specific routes (the LAN, the endpoint's gateway)
// working. On error nothing is left behind.
func ApplyNetwork(cfg NetworkConfig) (_ Network, err error) {
	link, err := linkByName(cfg.Interface)
	if err != nil {
		return nil, fmt.Errorf("find interface %s: %w", cfg.Interface, err)
	}
	n := &linuxNetwork{name: cfg.Interface, index: link.Attrs().Index, mark: cfg.FwMark, stateDir: cfg.StateDir}
	defer func() {
		if err != nil {
			err = errors.Join(err, n.Close())
		}
	}()

	families := defaultRouteFamilies(cfg.Routes)
	policy := !cfg.RoutesOff && cfg.Table == 0 && len(families) > 0
	var policyTable int
	n.routesOff, n.table, n.families = cfg.RoutesOff, int(cfg.Table), families
	defer func() { n.policyTable = policyTable }()
	if policy {
		if policyTable, err = freeTable(cfg.FwMark); err != nil {
			return nil, err
		}
		n.mark = uint32(policyTable)
		n.defaultRoute = true
		if err := cfg.SetBindMark(n.mark); err != nil {
			return nil, fmt.Errorf("set firewall mark %d on the tunnel's socket: %w", n.mark, err)
		}
	}

	if err := n.checkAddresses(cfg.Addresses); err != nil {
		return nil, err
	}
	if cfg.OnSendable != nil {
		cfg.OnSendable()
	}
	mtu := cfg.MTU
	if mtu == 0 {
		mtu = pathMTU(cfg.Endpoints) - wireguardOverhead
	}
	// The TUN was made with an MTU already; setting the same one again
	// costs a netlink round trip under the kernel's routing lock.
	if link.Attrs().MTU != mtu {
		if err := netlink.LinkSetMTU(link, mtu); err != nil {
			return nil, fmt.Errorf("set MTU %d on %s: %w", mtu, n.name, err)
		}
	}
	if err := netlink.LinkSetUp(link); err != nil {
		return nil, fmt.Errorf("bring %s up: %w", n.name, err)
	}
	if err := n.addAddresses(cfg.Addresses); err != nil {
		return nil, err
	}
	if cfg.RoutesOff {
		return n, nil
	}
	for _, p := range cfg.Routes {
		table := int(cfg.Table)
		if policy && p.Bits() == 0 {
			table = policyTable
		}
		if err := n.addRoute(p.Masked(), table); err != nil {
			return nil, err
		}
	}
	if policy {
		if err := n.addPolicyRules(families, policyTable); err != nil {
			return nil, err
		}
	}
	return n, nil
}

// SetRoutes changes the routes into the running tunnel to routes: those no
// longer wanted go, new ones are added, the rest stay. A change of which
// families have a default route needs the policy rules made again:
// ErrRoutesNeedRestart.
func (n *linuxNetwork) SetRoutes(routes []netip.Prefix) error {
	if n.routesOff {
		return nil
	}
	if !slices.Equal(defaultRouteFamilies(routes), n.families) {
		return ErrRoutesNeedRestart
	}
	type dest struct {
		prefix netip.Prefix
		table  int
	}
	want := map[dest]bool{}
	for _, p := range routes {
		table := n.table
		if n.policyTable != 0 && p.Bits() == 0 {
			table = n.policyTable
		}
		want[dest{p.Masked(), table}] = true
	}
	kept := n.routes[:0:0]
	var errs []error
	for _, r := range n.routes {
		p, ok := netipPrefix(r.Dst)
		if ok && want[dest{p, r.Table}] {
			kept = append(kept, r)
			continue
		}
		if err := netlink.RouteDel(r); err != nil && !gone(err) {
			errs = append(errs, fmt.Errorf("remove route %s from %s: %w", r.Dst, n.name, err))
			kept = append(kept, r)
		}
	}
	n.routes = kept
	for d := range want {
		if slices.ContainsFunc(n.routes, func(r *netlink.Route) bool {
			p, ok := netipPrefix(r.Dst)
			return ok && p == d.prefix && r.Table == d.table
		}) {
			continue
		}
		if err := n.addRoute(d.prefix, d.table); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func netipPrefix(n *net.IPNet) (netip.Prefix, bool) {
	if n == nil {
		return netip.Prefix{}, false
	}
	addr, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return netip.Prefix{}, false
	}
	ones, _ := n.Mask.Size()
	return netip.PrefixFrom(addr.Unmap(), ones).Masked(), true
}

func (n *linuxNetwork) FwMark() uint32     { return n.mark }
func (n *linuxNetwork) DefaultRoute() bool { return n.defaultRoute }

// Close removes what ApplyNetwork added, newest first. Routes and addresses
// that went away with the interface are not an error.
func (n *linuxNetwork) Close() error {
	var errs []error
	for i := len(n.rules) - 1; i >= 0; i-- {
		if err := netlink.RuleDel(n.rules[i]); err != nil && !gone(err) {
			errs = append(errs, fmt.Errorf("remove rule %s: %w", n.rules[i], err))
		}
	}
	n.rules = nil
	for i := len(n.routes) - 1; i >= 0; i-- {
		if err := netlink.RouteDel(n.routes[i]); err != nil && !gone(err) {
			errs = append(errs, fmt.Errorf("remove route %s from %s: %w", n.routes[i].Dst, n.name, err))
		}
	}
	n.routes = nil
	link := &netlink.Dummy{LinkAttrs: netlink.LinkAttrs{Index: n.index, Name: n.name}}
	for i := len(n.addrs) - 1; i >= 0; i-- {
		if err := netlink.AddrDel(link, n.addrs[i]); err != nil && !gone(err) {
			errs = append(errs, fmt.Errorf("remove address %s from %s: %w", n.addrs[i].IPNet, n.name, err))
		}
	}
	n.addrs = nil
	if len(errs) == 0 {
		errs = append(errs, removeRecord(n.stateDir, n.name, networkRecordKind))
	}
	return errors.Join(errs...)
}

// checkAddresses fails if another interface has one of the addresses.
func (n *linuxNetwork) checkAddresses(addrs []netip.Prefix) error {
	existing, err := addressesInUse()
	if err != nil {
		return fmt.Errorf("list addresses: %w", err)
	}
	for _, p := range addrs {
		for _, e := range existing {
			if e.LinkIndex != n.index && e.Addr == p.Addr().Unmap() {
				other := fmt.Sprint(e.LinkIndex)
				if l, err := netlink.LinkByIndex(e.LinkIndex); err == nil {
					other = l.Attrs().Name
				}
				return fmt.Errorf("address %s of %s is already on interface %s; change Address in the tunnel's configuration or remove it from %s: %w",
					p.Addr(), n.name, other, other, ErrAddressConflict)
			}
		}
	}
	return nil
}

func (n *linuxNetwork) addAddresses(addrs []netip.Prefix) error {
	for _, p := range addrs {
		a := &netlink.Addr{IPNet: ipNet(p)}
		link := &netlink.Dummy{LinkAttrs: netlink.LinkAttrs{Index: n.index}}
		if err := netlink.AddrAdd(link, a); err != nil {
			if errors.Is(err, unix.EEXIST) {
				continue
			}
			return fmt.Errorf("add address %s to %s: %w", p, n.name, err)
		}
		n.addrs = append(n.addrs, a)
	}
	return nil
}

func (n *linuxNetwork) addRoute(p netip.Prefix, table int) error {
	family := netlink.FAMILY_V4
	if p.Addr().Is6() {
		family = netlink.FAMILY_V6
	}
	if table == 0 || table == unix.RT_TABLE_MAIN {
		// Skip what a route of ours already covers, like the route the
		// kernel adds for the interface's own address prefix.
		ours, err := netlink.RouteListFiltered(family, &netlink.Route{LinkIndex: n.index, Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_OIF|netlink.RT_FILTER_TABLE)
		if err != nil {
			return fmt.Errorf("list routes of %s: %w", n.name, err)
		}
		for _, r := range ours {
			if r.Dst != nil && covers(r.Dst, p) {
				return nil
			}
		}
	}
	r := &netlink.Route{LinkIndex: n.index, Dst: ipNet(p), Table: table}
	if family == netlink.FAMILY_V4 {
		r.Scope = netlink.SCOPE_LINK
	}
	if err := netlink.RouteAdd(r); err != nil {
		if errors.Is(err, unix.EEXIST) {
			return fmt.Errorf("route %s for %s already exists through another interface; remove it or change AllowedIPs: %w", p, n.name, ErrRouteConflict)
		}
		return fmt.Errorf("add route %s to %s: %w", p, n.name, err)
	}
	n.routes = append(n.routes, r)
	return nil
}

func (n *linuxNetwork) addPolicyRules(families []int, table int) error {
	var rules []*netlink.Rule
	for _, family := range families {
		notMarked := netlink.NewRule()
		notMarked.Family = family
		notMarked.Table = table
		notMarked.Mark = n.mark
		notMarked.Invert = true
		suppress := netlink.NewRule()
		suppress.Family = family
		suppress.Table = unix.RT_TABLE_MAIN
		suppress.SuppressPrefixlen = 0
		rules = append(rules, notMarked, suppress)
	}
	if err := writeRecord(n.stateDir, n.name, networkRecordKind, networkRecord{Interface: n.name, Rules: recordRules(rules)}); err != nil {
		return err
	}
	for _, r := range rules {
		if err := netlink.RuleAdd(r); err != nil {
			return fmt.Errorf("add routing rule %s for %s: %w", r, n.name, err)
		}
		n.rules = append(n.rules, r)
	}
	if slices.Contains(families, netlink.FAMILY_V4) {
		// Replies to the marked packets must pass reverse-path filtering.
		if err := enableSrcValidMark(); err != nil {
			return err
		}
	}
	return nil
}

// The network is looked at before the first handshake without the netlink
// package: its reader keeps a 64 KiB buffer on the goroutine's stack, and
// the first call in a goroutine grows the stack to fit it, onto memory the
// kernel has to fault in: a third to half a millisecond on the way to the
// first handshake on a small machine, for a question two ioctls or one
// dump of the standard library answer.

// linkByName is the interface's index and MTU, all ApplyNetwork needs of
// it.
func linkByName(name string) (netlink.Link, error) {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return nil, err
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	defer unix.Close(fd)
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return nil, err
	}
	index := int(ifr.Uint32())
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFMTU, ifr); err != nil {
		return nil, err
	}
	return &netlink.Dummy{LinkAttrs: netlink.LinkAttrs{Index: index, Name: name, MTU: int(ifr.Uint32())}}, nil
}

// dump reads one of the kernel's tables (RTM_GETADDR, RTM_GETROUTE), every
// family, with the standard library.
func dump(request int) ([]syscall.NetlinkMessage, error) {
	rib, err := syscall.NetlinkRIB(request, syscall.AF_UNSPEC)
	if err != nil {
		return nil, err
	}
	return syscall.ParseNetlinkMessage(rib)
}

// addressInUse is an address of an interface.
type addressInUse struct {
	LinkIndex int
	Addr      netip.Addr
}

// addressesInUse lists the addresses of every interface, as
// netlink.AddrList reads them: the local address of a point-to-point
// link, else the address.
func addressesInUse() ([]addressInUse, error) {
	msgs, err := dump(syscall.RTM_GETADDR)
	if err != nil {
		return nil, err
	}
	var in []addressInUse
	for _, m := range msgs {
		if m.Header.Type != syscall.RTM_NEWADDR || len(m.Data) < syscall.SizeofIfAddrmsg {
			continue
		}
		attrs, err := syscall.ParseNetlinkRouteAttr(&m)
		if err != nil {
			return nil, err
		}
		var address, local []byte
		for _, a := range attrs {
			switch a.Attr.Type {
			case syscall.IFA_ADDRESS:
				address = a.Value
			case syscall.IFA_LOCAL:
				local = a.Value
			}
		}
		if local != nil {
			address = local
		}
		if a, ok := netip.AddrFromSlice(address); ok {
			// ifaddrmsg: family, prefix length, flags, scope (a byte
			// each), then the interface index.
			in = append(in, addressInUse{LinkIndex: int(binary.NativeEndian.Uint32(m.Data[4:8])), Addr: a.Unmap()})
		}
	}
	return in, nil
}

// srcValidMark is the sysctl that lets replies to marked packets pass
// reverse-path filtering.
const srcValidMark = "/proc/sys/net/ipv4/conf/all/src_valid_mark"

// enableSrcValidMark sets it unless it is set already: the packaged
// service sets it before it starts, because its /proc/sys is read-only.
func enableSrcValidMark() error {
	if v, err := os.ReadFile(srcValidMark); err == nil && strings.TrimSpace(string(v)) == "1" {
		return nil
	}
	if err := os.WriteFile(srcValidMark, []byte("1"), 0o644); err != nil {
		return fmt.Errorf("enable net.ipv4.conf.all.src_valid_mark (a full tunnel needs it; run `sysctl -w net.ipv4.conf.all.src_valid_mark=1` as root): %w", err)
	}
	return nil
}

// freeTable returns the first routing table from mark (or 51820) on that
// has no routes in either family, as wg-quick picks it. It reads every
// route once, with the standard library (see linkByName), instead of
// asking per table and family.
func freeTable(mark uint32) (int, error) {
	start := firstPolicyTable
	if mark != 0 {
		start = int(mark)
	}
	used, err := tablesInUse()
	if err != nil {
		return 0, fmt.Errorf("list routes: %w", err)
	}
	for t := start; t < start+1000; t++ {
		if !used[t] {
			return t, nil
		}
	}
	return 0, fmt.Errorf("no free routing table from %d on", start)
}

// tablesInUse are the routing tables that hold a route of either family.
func tablesInUse() (map[int]bool, error) {
	msgs, err := dump(syscall.RTM_GETROUTE)
	if err != nil {
		return nil, err
	}
	used := map[int]bool{}
	for _, m := range msgs {
		if m.Header.Type != syscall.RTM_NEWROUTE || len(m.Data) < syscall.SizeofRtMsg {
			continue
		}
		// rtmsg: family, destination and source length, TOS, then the
		// table (a byte; RTA_TABLE holds tables past 255).
		table := int(m.Data[4])
		attrs, err := syscall.ParseNetlinkRouteAttr(&m)
		if err != nil {
			return nil, err
		}
		for _, a := range attrs {
			if a.Attr.Type == syscall.RTA_TABLE && len(a.Value) >= 4 {
				table = int(binary.NativeEndian.Uint32(a.Value))
			}
		}
		used[table] = true
	}
	return used, nil
}

// pathMTU is the largest MTU of the routes or interfaces that lead to the
// endpoints, or 1500.
func pathMTU(endpoints []netip.Addr) int {
	mtu := 0
	for _, ep := range endpoints {
		routes, err := netlink.RouteGet(net.IP(ep.AsSlice()))
		if err != nil || len(routes) == 0 {
			continue
		}
		link, err := netlink.LinkByIndex(routes[0].LinkIndex)
		if err != nil {
			continue
		}
		m := link.Attrs().MTU
		if routes[0].MTU > 0 {
			m = routes[0].MTU
		}
		mtu = max(mtu, m)
	}
	if mtu == 0 {
		mtu = 1500
	}
	return mtu
}

func defaultRouteFamilies(routes []netip.Prefix) []int {
	var families []int
	for _, p := range routes {
		if p.Bits() != 0 {
			continue
		}
		f := netlink.FAMILY_V4
		if p.Addr().Is6() {
			f = netlink.FAMILY_V6
		}
		if !slices.Contains(families, f) {
			families = append(families, f)
		}
	}
	return families
}

func covers(n *net.IPNet, p netip.Prefix) bool {
	addr, ok := netip.AddrFromSlice(n.IP)
	if !ok {
		return false
	}
	ones, _ := n.Mask.Size()
	outer := netip.PrefixFrom(addr.Unmap(), ones)
	return outer.Addr().BitLen() == p.Addr().BitLen() && outer.Bits() <= p.Bits() && outer.Contains(p.Addr())
}

func ipNet(p netip.Prefix) *net.IPNet {
	return &net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// gone reports whether a delete failed because the object no longer exists.
func gone(err error) bool {
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) || errors.Is(err, unix.ENODEV) || errors.Is(err, unix.EADDRNOTAVAIL)
}
