package netconf

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"sync"

	"golang.org/x/sys/windows"
	"golang.zx2c4.com/wireguard/windows/tunnel/winipcfg"
)

// wireguardOverhead is what WireGuard adds to each packet over IPv6, the
// larger case: subtracted from the path MTU when the configuration sets none.
const wireguardOverhead = 80

// minIPv6MTU is the smallest MTU IPv6 works with (RFC 8200); below it the
// interface keeps its IPv6 MTU.
const minIPv6MTU = 1280

var winFamilies = map[int]winipcfg.AddressFamily{4: windows.AF_INET, 6: windows.AF_INET6}

type winNetwork struct {
	name string
	luid winipcfg.LUID
	plan winRoutePlan
	bind func(family int, index uint32, blackhole bool) error
	log  *slog.Logger

	// What ApplyNetwork added, for Close.
	addrs  []netip.Prefix
	routes []netip.Prefix

	mu       sync.Mutex // guards what follows against the route and interface callbacks
	closed   bool
	pinned   map[int]uint32 // family: interface index the socket is pinned to, 0 blackholed
	watchers []interface{ Unregister() error }
}

// ApplyNetwork configures the Wintun interface through the IP helper API
// (winipcfg): its MTU and metric, its addresses, and routes of metric 0 for
// every AllowedIPs. A full tunnel gets interface metric 0 and its UDP socket
// pinned to the best other default route (see winroute.go), following that
// route as it moves. On error nothing is left behind.
func ApplyNetwork(cfg NetworkConfig) (_ Network, err error) {
	luid, err := luidByName(cfg.Interface)
	if err != nil {
		return nil, err
	}
	plan, err := planWinRoutes(cfg)
	if err != nil {
		return nil, err
	}
	if len(plan.Families) > 0 && cfg.BindToInterface == nil {
		return nil, errors.New("a full tunnel needs its UDP socket pinned to the physical interface, and this tunnel's socket cannot be")
	}
	n := &winNetwork{
		name:   cfg.Interface,
		luid:   luid,
		plan:   plan,
		bind:   cfg.BindToInterface,
		log:    cfg.Log.With("interface", cfg.Interface),
		pinned: map[int]uint32{},
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, n.Close())
		}
	}()

	if err := n.checkAddresses(cfg.Addresses); err != nil {
		return nil, err
	}
	if cfg.OnSendable != nil {
		cfg.OnSendable()
	}
	mtu := cfg.MTU
	if mtu == 0 {
		mtu = n.pathMTU() - wireguardOverhead
	}
	if err := n.configureInterface(mtu); err != nil {
		return nil, err
	}
	if len(plan.Families) > 0 {
		// Pinned before the default route exists, so that not one
		// encrypted packet goes into the tunnel.
		if err := n.pin(); err != nil {
			return nil, err
		}
		if err := n.follow(); err != nil {
			return nil, err
		}
	}
	for _, p := range cfg.Addresses {
		if err := luid.AddIPAddress(p); err != nil {
			if errors.Is(err, windows.ERROR_OBJECT_ALREADY_EXISTS) {
				continue
			}
			return nil, fmt.Errorf("add address %s to %s: %w", p, n.name, err)
		}
		n.addrs = append(n.addrs, p)
	}
	for _, p := range plan.Routes {
		err := luid.AddRoute(p, unspecified(p), 0)
		if errors.Is(err, windows.ERROR_OBJECT_ALREADY_EXISTS) {
			continue // the on-link route of an address of ours
		}
		if err != nil {
			return nil, fmt.Errorf("add route %s to %s: %w", p, n.name, err)
		}
		n.routes = append(n.routes, p)
	}
	return n, nil
}

func (n *winNetwork) FwMark() uint32     { return 0 }
func (n *winNetwork) DefaultRoute() bool { return len(n.plan.Families) > 0 }

// Close removes the routes and addresses, newest first, and stops following
// the default route. What went away with the interface is not an error.
func (n *winNetwork) Close() error {
	n.mu.Lock()
	n.closed = true
	watchers := n.watchers
	n.watchers = nil
	n.mu.Unlock()
	var errs []error
	for _, w := range watchers {
		errs = append(errs, w.Unregister())
	}
	for i := len(n.routes) - 1; i >= 0; i-- {
		p := n.routes[i]
		if err := n.luid.DeleteRoute(p, unspecified(p)); err != nil && !winGone(err) {
			errs = append(errs, fmt.Errorf("remove route %s from %s: %w", p, n.name, err))
		}
	}
	n.routes = nil
	for i := len(n.addrs) - 1; i >= 0; i-- {
		if err := n.luid.DeleteIPAddress(n.addrs[i]); err != nil && !winGone(err) {
			errs = append(errs, fmt.Errorf("remove address %s from %s: %w", n.addrs[i], n.name, err))
		}
	}
	n.addrs = nil
	return errors.Join(errs...)
}

// configureInterface sets the MTU of both families, and for a full tunnel
// metric 0 so that the tunnel's default route and DNS servers come first.
// IPv6 needs no duplicate address detection or router discovery on a
// point-to-point tunnel; both only delay the addresses.
func (n *winNetwork) configureInterface(mtu int) error {
	for _, fam := range []int{4, 6} {
		row, err := n.luid.IPInterface(winFamilies[fam])
		if fam == 6 && errors.Is(err, windows.ERROR_NOT_FOUND) {
			continue // IPv6 is disabled on this machine
		}
		if err != nil {
			return fmt.Errorf("read the IPv%d settings of %s: %w", fam, n.name, err)
		}
		if fam == 4 || mtu >= minIPv6MTU {
			row.NLMTU = uint32(mtu)
		}
		if fam == 6 {
			row.DadTransmits = 0
			row.RouterDiscoveryBehavior = winipcfg.RouterDiscoveryDisabled
			row.ManagedAddressConfigurationSupported = false
			row.OtherStatefulConfigurationSupported = false
		}
		if slices.Contains(n.plan.Families, fam) {
			row.UseAutomaticMetric = false
			row.Metric = 0
		}
		if err := row.Set(); err != nil {
			return fmt.Errorf("set MTU %d and metric on %s (IPv%d): %w", mtu, n.name, fam, err)
		}
	}
	return nil
}

// checkAddresses fails if another interface has one of the addresses.
func (n *winNetwork) checkAddresses(addrs []netip.Prefix) error {
	rows, err := winipcfg.GetUnicastIPAddressTable(windows.AF_UNSPEC)
	if err != nil {
		return fmt.Errorf("list addresses: %w", err)
	}
	for _, p := range addrs {
		for _, r := range rows {
			if r.InterfaceLUID == n.luid || r.Address.Addr() != p.Addr() {
				continue
			}
			other := fmt.Sprint(r.InterfaceIndex)
			if row, err := r.InterfaceLUID.Interface(); err == nil {
				other = row.Alias()
			}
			return fmt.Errorf("address %s of %s is already on interface %q; change Address in the tunnel's configuration or remove it from %q: %w",
				p.Addr(), n.name, other, other, ErrAddressConflict)
		}
	}
	return nil
}

// defaultRoutes lists the default routes of a family with what bindInterface
// needs to compare them.
func defaultRoutes(fam int) ([]winDefaultRoute, error) {
	rows, err := winipcfg.GetIPForwardTable2(winFamilies[fam])
	if err != nil {
		return nil, fmt.Errorf("read the IPv%d routing table: %w", fam, err)
	}
	var out []winDefaultRoute
	for _, r := range rows {
		if r.DestinationPrefix.PrefixLength != 0 {
			continue
		}
		ifrow, err := r.InterfaceLUID.IPInterface(winFamilies[fam])
		if err != nil {
			continue
		}
		iface, err := r.InterfaceLUID.Interface()
		if err != nil {
			continue
		}
		out = append(out, winDefaultRoute{
			LUID:   uint64(r.InterfaceLUID),
			Index:  r.InterfaceIndex,
			Metric: r.Metric + ifrow.Metric,
			Up:     iface.OperStatus == winipcfg.IfOperStatusUp,
		})
	}
	return out, nil
}

// pathMTU is the largest MTU of the interfaces of the default routes the
// tunnel's packets would take, or 1500.
func (n *winNetwork) pathMTU() int {
	mtu := 0
	for _, fam := range []int{4, 6} {
		routes, err := defaultRoutes(fam)
		if err != nil {
			continue
		}
		index, ok := bindInterface(routes, uint64(n.luid))
		if !ok {
			continue
		}
		luid, err := winipcfg.LUIDFromIndex(index)
		if err != nil {
			continue
		}
		if row, err := luid.IPInterface(winFamilies[fam]); err == nil {
			mtu = max(mtu, int(row.NLMTU))
		}
	}
	if mtu == 0 {
		mtu = 1500
	}
	return mtu
}

// pin points the socket of each family with a default route into the tunnel
// at the best other default route's interface, or blackholes it.
func (n *winNetwork) pin() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	for _, fam := range n.plan.Families {
		routes, err := defaultRoutes(fam)
		if err != nil {
			return err
		}
		index, ok := bindInterface(routes, uint64(n.luid))
		// Pinned again even when the interface stays: the device opens a
		// new socket when its port changes (wg set), unpinned.
		if err := n.bind(fam, index, !ok); err != nil {
			return fmt.Errorf("pin the IPv%d socket of %s to interface %d: %w", fam, n.name, index, err)
		}
		if old, seen := n.pinned[fam]; seen && old == index {
			continue
		}
		n.pinned[fam] = index
		if ok {
			n.log.Info("encrypted packets leave by the default route's interface", "family", fam, "index", index)
		} else {
			n.log.Warn("no default route besides the tunnel's; encrypted packets are dropped until one appears", "family", fam)
		}
	}
	return nil
}

// follow pins the socket again whenever a default route or an interface
// changes.
func (n *winNetwork) follow() error {
	repin := func() {
		if err := n.pin(); err != nil {
			n.log.Error("follow the default route", "err", err)
		}
	}
	rc, err := winipcfg.RegisterRouteChangeCallback(func(_ winipcfg.MibNotificationType, r *winipcfg.MibIPforwardRow2) {
		if r.DestinationPrefix.PrefixLength == 0 && r.InterfaceLUID != n.luid {
			repin()
		}
	})
	if err != nil {
		return fmt.Errorf("watch the default route: %w", err)
	}
	ic, err := winipcfg.RegisterInterfaceChangeCallback(func(_ winipcfg.MibNotificationType, r *winipcfg.MibIPInterfaceRow) {
		if r.InterfaceLUID != n.luid {
			repin()
		}
	})
	n.mu.Lock()
	defer n.mu.Unlock()
	n.watchers = append(n.watchers, rc)
	if err != nil {
		return fmt.Errorf("watch the interfaces: %w", err)
	}
	n.watchers = append(n.watchers, ic)
	return nil
}

func luidByName(name string) (winipcfg.LUID, error) {
	iface, err := net.InterfaceByName(name)
	if err != nil {
		return 0, fmt.Errorf("find interface %s: %w", name, err)
	}
	luid, err := winipcfg.LUIDFromIndex(uint32(iface.Index))
	if err != nil {
		return 0, fmt.Errorf("find interface %s: %w", name, err)
	}
	return luid, nil
}

func unspecified(p netip.Prefix) netip.Addr {
	if p.Addr().Is4() {
		return netip.IPv4Unspecified()
	}
	return netip.IPv6Unspecified()
}

// winGone reports whether a delete failed because the object, or its
// interface, no longer exists.
func winGone(err error) bool {
	return errors.Is(err, windows.ERROR_NOT_FOUND) || errors.Is(err, windows.ERROR_FILE_NOT_FOUND)
}

type winDNS struct {
	name     string
	luid     winipcfg.LUID
	families []int
}

// ApplyDNS gives the tunnel's interface its DNS servers and search domains.
// With a full tunnel the interface's metric of 0 makes Windows ask them
// first; the kill switch keeps queries from other resolvers.
func ApplyDNS(cfg DNSConfig, _ *slog.Logger) (DNS, error) {
	luid, err := luidByName(cfg.Interface)
	if err != nil {
		return nil, err
	}
	d := &winDNS{name: cfg.Interface, luid: luid}
	for _, fam := range []int{4, 6} {
		var servers []netip.Addr
		for _, a := range cfg.Servers {
			if winFamily(a) == fam {
				servers = append(servers, a.Unmap())
			}
		}
		if len(servers) == 0 && (fam == 6 || len(cfg.Search) == 0) {
			continue
		}
		if err := luid.SetDNS(winFamilies[fam], servers, cfg.Search); err != nil {
			return nil, errors.Join(fmt.Errorf("set the IPv%d DNS of %s: %w", fam, cfg.Interface, err), d.Close())
		}
		d.families = append(d.families, fam)
	}
	return d, nil
}

// Close removes the servers and search domains from the interface.
func (d *winDNS) Close() error {
	var errs []error
	for _, fam := range d.families {
		if err := d.luid.FlushDNS(winFamilies[fam]); err != nil && !winGone(err) {
			errs = append(errs, fmt.Errorf("remove the IPv%d DNS of %s: %w", fam, d.name, err))
		}
	}
	d.families = nil
	return errors.Join(errs...)
}

// RecoverNetwork has nothing to undo on Windows: the addresses, routes and
// DNS settings of a tunnel belong to its Wintun adapter, which Windows
// removes together with the process that created it.
func RecoverNetwork(string, *slog.Logger) error { return nil }

// WatchNetwork reports changes of routes, addresses and interfaces, except those on the
// interface named except (the tunnel's own), until stop is closed; then it
// closes the returned channel. Changes that arrive while one is pending are
// merged into it.
func WatchNetwork(except string, stop <-chan struct{}) (<-chan struct{}, error) {
	exceptLUID, err := luidByName(except)
	if err != nil {
		exceptLUID = 0
	}
	changed := make(chan struct{}, 1)
	notify := func(luid winipcfg.LUID) {
		if luid == exceptLUID {
			return
		}
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	rc, err := winipcfg.RegisterRouteChangeCallback(func(_ winipcfg.MibNotificationType, r *winipcfg.MibIPforwardRow2) {
		notify(r.InterfaceLUID)
	})
	if err != nil {
		return nil, fmt.Errorf("watch routes: %w", err)
	}
	ac, err := winipcfg.RegisterUnicastAddressChangeCallback(func(_ winipcfg.MibNotificationType, a *winipcfg.MibUnicastIPAddressRow) {
		notify(a.InterfaceLUID)
	})
	if err != nil {
		rc.Unregister()
		return nil, fmt.Errorf("watch addresses: %w", err)
	}
	// A cable pulled or a radio off: the interface's state changes.
	ic, err := winipcfg.RegisterInterfaceChangeCallback(func(_ winipcfg.MibNotificationType, i *winipcfg.MibIPInterfaceRow) {
		notify(i.InterfaceLUID)
	})
	if err != nil {
		rc.Unregister()
		ac.Unregister()
		return nil, fmt.Errorf("watch interfaces: %w", err)
	}
	go func() {
		<-stop
		// Unregister waits for callbacks under way: none sends after it.
		rc.Unregister()
		ac.Unregister()
		ic.Unregister()
		close(changed)
	}()
	return changed, nil
}
