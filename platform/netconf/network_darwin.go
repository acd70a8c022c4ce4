package netconf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/route"
	"golang.org/x/sys/unix"
)

// On macOS the tunnel's network is set up as wg-quick does it there:
// ifconfig(8) and route(8) with the commands of the plan in macroute.go,
// which have run on every Mac for years, rather than hand-built ioctl
// structures and routing messages that no Mac has checked here. The
// routing table is read, and watched, through the routing socket
// (golang.org/x/net/route), whose messages are well defined.

// wireguardOverhead is what WireGuard adds to each packet over IPv6, the
// larger case: wg-quick subtracts it from the path MTU.
const wireguardOverhead = 80

// endpointRecheck is how often a full tunnel looks whether its peers'
// endpoints moved (roaming, re-resolution) when the routes did not change.
const endpointRecheck = 10 * time.Second

type darwinNetwork struct {
	name     string
	stateDir string
	log      *slog.Logger
	routes   []macRoute // into the tunnel
	defaults []int      // families whose default route the tunnel takes

	endpoints func() []netip.Addr
	mu        sync.Mutex
	bypass    []macRoute // the endpoints' host routes in place
	stop      chan struct{}
	done      chan struct{}
}

// networkRecord is what a crash would leave: the endpoints' host routes go
// through another interface and outlive the utun.
type networkRecord struct {
	Interface string
	Routes    []macRoute
}

// ApplyNetwork gives the utun its MTU and addresses, brings it up and
// routes the prefixes into it. A default route becomes the two halves of
// its family, and each endpoint gets a host route through the system's
// default gateway, which follows that gateway as the network changes. On
// error nothing is left behind.
func ApplyNetwork(cfg NetworkConfig) (_ Network, err error) {
	if _, err := net.InterfaceByName(cfg.Interface); err != nil {
		return nil, fmt.Errorf("find interface %s: %w", cfg.Interface, err)
	}
	if cfg.Table != 0 && cfg.Table != 254 && !cfg.RoutesOff {
		return nil, fmt.Errorf("macOS has one routing table: set Table to auto, main or off instead of %d", cfg.Table)
	}
	n := &darwinNetwork{name: cfg.Interface, stateDir: cfg.StateDir, log: cfg.Log, endpoints: cfg.CurrentEndpoints}
	defer func() {
		if err != nil {
			err = errors.Join(err, n.Close())
		}
	}()
	if err := checkAddresses(cfg.Interface, cfg.Addresses); err != nil {
		return nil, err
	}
	if cfg.OnSendable != nil {
		cfg.OnSendable()
	}
	table, err := routingTable()
	if err != nil {
		return nil, err
	}
	mtu := cfg.MTU
	if mtu == 0 {
		mtu = pathMTU(table, cfg.Interface) - wireguardOverhead
	}
	up, addrs := macInterfaceCommands(cfg.Interface, mtu, cfg.Addresses)
	if err := run(up); err != nil {
		return nil, fmt.Errorf("bring %s up with MTU %d: %w", cfg.Interface, mtu, err)
	}
	for _, c := range addrs {
		if err := run(c); err != nil {
			return nil, fmt.Errorf("add address to %s: %w", cfg.Interface, err)
		}
	}
	if cfg.RoutesOff {
		return n, nil
	}
	routes, defaults := macTunnelRoutes(cfg.Interface, cfg.Routes)
	n.defaults = defaults
	if len(defaults) > 0 {
		// The endpoints' routes come first, so the tunnel's packets never
		// loop into it.
		if n.endpoints == nil {
			n.endpoints = func() []netip.Addr { return cfg.Endpoints }
		}
		if err := n.reroute(table, cfg.Endpoints); err != nil {
			return nil, err
		}
	}
	for _, r := range routes {
		if err := n.addTunnelRoute(r); err != nil {
			return nil, err
		}
	}
	if len(defaults) > 0 {
		changes, err := watchRoutes(cfg.Interface, n.stopChan())
		if err != nil {
			return nil, err
		}
		n.done = make(chan struct{})
		go n.follow(changes)
	}
	return n, nil
}

func (n *darwinNetwork) FwMark() uint32     { return 0 }
func (n *darwinNetwork) DefaultRoute() bool { return len(n.defaults) > 0 }

func (n *darwinNetwork) stopChan() chan struct{} {
	if n.stop == nil {
		n.stop = make(chan struct{})
	}
	return n.stop
}

// Close stops following the gateway and removes the routes, newest first.
// The addresses go with the utun.
func (n *darwinNetwork) Close() error {
	if n.stop != nil {
		close(n.stop)
		if n.done != nil {
			<-n.done
		}
		n.stop = nil
	}
	var errs []error
	for i := len(n.routes) - 1; i >= 0; i-- {
		if err := run(n.routes[i].delete()); err != nil && !routeGone(err) {
			errs = append(errs, fmt.Errorf("remove route %s: %w", n.routes[i], err))
		}
	}
	n.routes = nil
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, r := range n.bypass {
		if err := run(r.delete()); err != nil && !routeGone(err) {
			errs = append(errs, fmt.Errorf("remove route %s: %w", r, err))
		}
	}
	n.bypass = nil
	if len(errs) == 0 {
		errs = append(errs, removeRecord(n.stateDir, n.name, networkRecordKind))
	}
	return errors.Join(errs...)
}

// follow keeps the endpoints' routes on the current default gateway and
// the current endpoints until Close.
func (n *darwinNetwork) follow(changes <-chan struct{}) {
	defer close(n.done)
	tick := time.NewTicker(endpointRecheck)
	defer tick.Stop()
	for {
		select {
		case _, ok := <-changes:
			if !ok {
				return
			}
		case <-tick.C:
		}
		table, err := routingTable()
		if err == nil {
			err = n.reroute(table, n.endpoints())
		}
		if err != nil {
			n.log.Warn("keep the tunnel's endpoints routed around it", "interface", n.name, "err", err)
		}
	}
}

// reroute makes the endpoints' host routes match the routing table and
// endpoints, recording them before they are added.
func (n *darwinNetwork) reroute(table []macSystemRoute, endpoints []netip.Addr) error {
	gateways := map[int]macGateway{}
	for _, family := range n.defaults {
		gateways[family] = macDefaultGateway(table, family, n.name)
	}
	want := macEndpointRoutes(endpoints, n.defaults, gateways)
	n.mu.Lock()
	defer n.mu.Unlock()
	del, add := macRouteChanges(n.bypass, want)
	if del == nil && add == nil {
		return nil
	}
	var errs []error
	for _, r := range del {
		if err := run(r.delete()); err != nil && !routeGone(err) {
			errs = append(errs, fmt.Errorf("remove route %s: %w", r, err))
			continue
		}
		n.bypass = slices.DeleteFunc(n.bypass, func(b macRoute) bool { return b == r })
	}
	rec := networkRecord{Interface: n.name, Routes: append(slices.Clone(n.bypass), add...)}
	if err := writeRecord(n.stateDir, n.name, networkRecordKind, rec); err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, r := range add {
		if err := run(r.add()); err != nil {
			errs = append(errs, fmt.Errorf("route the endpoint %s around the tunnel: %w", r, err))
			continue
		}
		n.bypass = append(n.bypass, r)
	}
	return errors.Join(errs...)
}

// addTunnelRoute adds a route into the utun. One that exists already
// through the utun (the route of its own address) is fine; through
// another interface it is a conflict.
func (n *darwinNetwork) addTunnelRoute(r macRoute) error {
	err := run(r.add())
	if err == nil {
		n.routes = append(n.routes, r)
		return nil
	}
	if !strings.Contains(err.Error(), "File exists") {
		return fmt.Errorf("add route %s: %w", r, err)
	}
	table, terr := routingTable()
	if terr == nil && slices.ContainsFunc(table, func(s macSystemRoute) bool {
		return s.Dst == r.Dst && s.Interface == n.name && !s.Scoped
	}) {
		return nil
	}
	return fmt.Errorf("route %s for %s already exists through another interface; remove it or change AllowedIPs: %w", r.Dst, n.name, ErrRouteConflict)
}

// checkAddresses fails if another interface has one of the addresses.
func checkAddresses(name string, addrs []netip.Prefix) error {
	ifaces, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("list interfaces: %w", err)
	}
	for _, iface := range ifaces {
		if iface.Name == name {
			continue
		}
		have, err := iface.Addrs()
		if err != nil {
			continue
		}
		for _, a := range have {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, _ := netip.AddrFromSlice(ipn.IP)
			for _, p := range addrs {
				if ip.Unmap() == p.Addr() {
					return fmt.Errorf("address %s of %s is already on interface %s; change Address in the tunnel's configuration or remove it from %s: %w",
						p.Addr(), name, iface.Name, iface.Name, ErrAddressConflict)
				}
			}
		}
	}
	return nil
}

// pathMTU is the largest MTU of the interfaces of the default routes that
// do not go through the tunnel, or 1500.
func pathMTU(table []macSystemRoute, tunnel string) int {
	mtu := 0
	for _, family := range []int{4, 6} {
		g := macDefaultGateway(table, family, tunnel)
		if iface, err := net.InterfaceByName(g.Interface); err == nil {
			mtu = max(mtu, iface.MTU)
		}
	}
	if mtu == 0 {
		mtu = 1500
	}
	return mtu
}

// routingTable reads the system's routes from the routing socket.
func routingTable() ([]macSystemRoute, error) {
	rib, err := route.FetchRIB(unix.AF_UNSPEC, route.RIBTypeRoute, 0)
	if err != nil {
		return nil, fmt.Errorf("read the routing table: %w", err)
	}
	msgs, err := route.ParseRIB(route.RIBTypeRoute, rib)
	if err != nil {
		return nil, fmt.Errorf("read the routing table: %w", err)
	}
	names := map[int]string{}
	if ifaces, err := net.Interfaces(); err == nil {
		for _, iface := range ifaces {
			names[iface.Index] = iface.Name
		}
	}
	var table []macSystemRoute
	for _, m := range msgs {
		rm, ok := m.(*route.RouteMessage)
		if !ok || rm.Flags&unix.RTF_UP == 0 || rm.Flags&(unix.RTF_REJECT|unix.RTF_BLACKHOLE) != 0 || len(rm.Addrs) <= unix.RTAX_NETMASK {
			continue
		}
		dst, ok := sockaddrAddr(rm.Addrs[unix.RTAX_DST], names)
		if !ok {
			continue
		}
		bits := dst.BitLen()
		if rm.Flags&unix.RTF_HOST == 0 {
			bits = maskBits(rm.Addrs[unix.RTAX_NETMASK])
		}
		r := macSystemRoute{
			Dst:       netip.PrefixFrom(dst.WithZone(""), bits),
			Interface: names[rm.Index],
			Scoped:    rm.Flags&unix.RTF_IFSCOPE != 0,
		}
		if rm.Flags&unix.RTF_GATEWAY != 0 {
			r.Gateway, _ = sockaddrAddr(rm.Addrs[unix.RTAX_GATEWAY], names)
		}
		table = append(table, r)
	}
	return table, nil
}

func sockaddrAddr(a route.Addr, names map[int]string) (netip.Addr, bool) {
	switch a := a.(type) {
	case *route.Inet4Addr:
		return netip.AddrFrom4(a.IP), true
	case *route.Inet6Addr:
		ip := netip.AddrFrom16(a.IP)
		if a.ZoneID != 0 && names[a.ZoneID] != "" {
			ip = ip.WithZone(names[a.ZoneID])
		}
		return ip, true
	}
	return netip.Addr{}, false
}

// maskBits counts a netmask's leading ones; a missing mask is a default
// route's.
func maskBits(a route.Addr) int {
	var mask []byte
	switch a := a.(type) {
	case *route.Inet4Addr:
		mask = a.IP[:]
	case *route.Inet6Addr:
		mask = a.IP[:]
	}
	bits := 0
	for _, b := range mask {
		for i := 7; i >= 0 && b&(1<<i) != 0; i-- {
			bits++
		}
		if b != 0xff {
			break
		}
	}
	return bits
}

// WatchNetwork reports changes of routes, interfaces and addresses, except
// those of the interface named except (the tunnel's own), until stop is
// closed; then it closes the returned channel. Changes that arrive while
// one is pending are merged into it.
func WatchNetwork(except string, stop <-chan struct{}) (<-chan struct{}, error) {
	return watchRoutes(except, stop)
}

func watchRoutes(except string, stop <-chan struct{}) (<-chan struct{}, error) {
	exceptIndex := -1
	if iface, err := net.InterfaceByName(except); err == nil {
		exceptIndex = iface.Index
	}
	fd, err := unix.Socket(unix.AF_ROUTE, unix.SOCK_RAW, unix.AF_UNSPEC)
	if err != nil {
		return nil, fmt.Errorf("watch routes: %w", err)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("watch routes: %w", err)
	}
	sock := os.NewFile(uintptr(fd), "routing socket")
	changed := make(chan struct{}, 1)
	go func() {
		<-stop
		sock.Close()
	}()
	go func() {
		defer close(changed)
		buf := make([]byte, 64<<10)
		for {
			n, err := sock.Read(buf)
			if err != nil {
				return
			}
			if onlyInterface(buf[:n], exceptIndex) {
				continue
			}
			select {
			case changed <- struct{}{}:
			default:
			}
		}
	}()
	return changed, nil
}

// onlyInterface reports whether every message in b is about the interface
// with that index.
func onlyInterface(b []byte, index int) bool {
	msgs, err := route.ParseRIB(route.RIBTypeRoute, b)
	if err != nil || len(msgs) == 0 {
		return false
	}
	for _, m := range msgs {
		i := -1
		switch m := m.(type) {
		case *route.RouteMessage:
			i = m.Index
		case *route.InterfaceMessage:
			i = m.Index
		case *route.InterfaceAddrMessage:
			i = m.Index
		}
		if i != index {
			return false
		}
	}
	return true
}

// RecoverNetwork undoes the endpoints' routes and the DNS settings that
// tunnels of a crashed process left, as recorded in stateDir. Call it when
// the service starts, before it brings up any tunnel.
func RecoverNetwork(stateDir string, log *slog.Logger) error {
	return recoverRecords(stateDir, log, map[string]func([]byte) error{
		networkRecordKind: recoverRoutes,
		dnsRecordKind:     recoverDNS,
	})
}

func recoverRoutes(data []byte) error {
	var rec networkRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return err
	}
	var errs []error
	for _, r := range rec.Routes {
		if err := run(r.delete()); err != nil && !routeGone(err) {
			errs = append(errs, fmt.Errorf("remove route %s: %w", r, err))
		}
	}
	return errors.Join(errs...)
}

// run runs ifconfig(8), route(8) or scutil(8); the error carries what the
// tool said.
func run(c macCommand) error {
	return runInput(c, "")
}

func runInput(c macCommand, stdin string) error {
	cmd := exec.Command(c.Path, c.Args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %w: %s", c, err, bytes.TrimSpace(out))
	}
	return nil
}

// routeGone reports whether route(8) failed because the route is not
// there any more.
func routeGone(err error) bool {
	return strings.Contains(err.Error(), "not in table")
}
