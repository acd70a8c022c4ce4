package netid

import (
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// Current reads the identity of the network the main routing table's
// default route goes through. Tunnels route through their own tables, so
// a running tunnel does not hide the network under it.
func Current() (Identity, error) {
	var id Identity
	gw, link, err := defaultGateway(netlink.FAMILY_V4)
	if err != nil {
		return Identity{}, err
	}
	gw6, link6, err := defaultGateway(netlink.FAMILY_V6)
	if err != nil {
		return Identity{}, err
	}
	if gw6.IsValid() && gw6.IsLinkLocalUnicast() {
		id.Router6 = gw6
	}
	if !gw.IsValid() {
		gw, link = gw6, link6
	}
	if !gw.IsValid() {
		return Identity{}, nil
	}
	id.Gateway = gw
	if l, err := netlink.LinkByIndex(link); err == nil {
		id.Interface = l.Attrs().Name
	}
	mac, err := neighbourMAC(link, gw)
	if err != nil {
		return Identity{}, err
	}
	if mac == "" {
		resolveNeighbour(link, gw)
		return Identity{Interface: id.Interface, Gateway: gw}, nil
	}
	id.GatewayMAC = mac
	id.SSID = wifiSSID(id.Interface)
	return id, nil
}

// defaultGateway is the gateway of the main table's preferred default
// route of a family, and its interface's index; none without one.
func defaultGateway(family int) (netip.Addr, int, error) {
	routes, err := netlink.RouteListFiltered(family, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("read the routing table: %w", err)
	}
	var best *netlink.Route
	for i, r := range routes {
		if r.Dst != nil {
			if ones, _ := r.Dst.Mask.Size(); ones != 0 {
				continue
			}
		}
		if r.Gw == nil && len(r.MultiPath) == 0 {
			continue
		}
		if best == nil || r.Priority < best.Priority {
			best = &routes[i]
		}
	}
	if best == nil {
		return netip.Addr{}, 0, nil
	}
	gw, link := best.Gw, best.LinkIndex
	if gw == nil {
		gw, link = best.MultiPath[0].Gw, best.MultiPath[0].LinkIndex
	}
	a, ok := netip.AddrFromSlice(gw)
	if !ok {
		return netip.Addr{}, 0, nil
	}
	return a.Unmap(), link, nil
}

// neighbourMAC is the link-layer address the kernel holds for ip on link,
// or "" while it is not resolved.
func neighbourMAC(link int, ip netip.Addr) (string, error) {
	family := netlink.FAMILY_V4
	if ip.Is6() {
		family = netlink.FAMILY_V6
	}
	neighs, err := netlink.NeighList(link, family)
	if err != nil {
		return "", fmt.Errorf("read the neighbour table: %w", err)
	}
	for _, n := range neighs {
		a, ok := netip.AddrFromSlice(n.IP)
		if !ok || a.Unmap() != ip || len(n.HardwareAddr) != 6 {
			continue
		}
		if n.State&(netlink.NUD_INCOMPLETE|netlink.NUD_FAILED) != 0 || n.State == netlink.NUD_NONE {
			continue
		}
		return n.HardwareAddr.String(), nil
	}
	return "", nil
}

// resolveNeighbour asks the kernel to resolve ip (NTF_USE: as if a packet
// went there), so that the neighbour watch reports its MAC soon even when
// the kill switch holds back all traffic. ARP and neighbour discovery pass
// the kill switch. The state is ignored with NTF_USE; it is what `ip neigh
// replace ADDR use` sends.
func resolveNeighbour(link int, ip netip.Addr) {
	family := netlink.FAMILY_V4
	if ip.Is6() {
		family = netlink.FAMILY_V6
	}
	_ = netlink.NeighSet(&netlink.Neigh{LinkIndex: link, Family: family, IP: net.IP(ip.AsSlice()), State: netlink.NUD_PERMANENT, Flags: unix.NTF_USE})
}

// subscribe reports changes of routes, neighbours and links until stop is
// closed; then it closes the channel.
func subscribe(stop <-chan struct{}) (<-chan struct{}, error) {
	routes := make(chan netlink.RouteUpdate, 16)
	neighs := make(chan netlink.NeighUpdate, 16)
	links := make(chan netlink.LinkUpdate, 16)
	if err := netlink.RouteSubscribe(routes, stop); err != nil {
		return nil, fmt.Errorf("watch routes: %w", err)
	}
	if err := netlink.NeighSubscribe(neighs, stop); err != nil {
		return nil, fmt.Errorf("watch neighbours: %w", err)
	}
	if err := netlink.LinkSubscribe(links, stop); err != nil {
		return nil, fmt.Errorf("watch links: %w", err)
	}
	changed := make(chan struct{}, 1)
	notify := func() {
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	go func() {
		defer close(changed)
		for routes != nil || neighs != nil || links != nil {
			select {
			case _, ok := <-routes:
				if !ok {
					routes = nil
					continue
				}
			case _, ok := <-neighs:
				if !ok {
					neighs = nil
					continue
				}
			case _, ok := <-links:
				if !ok {
					links = nil
					continue
				}
			}
			notify()
		}
	}()
	return changed, nil
}
