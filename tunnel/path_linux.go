package tunnel

import (
	"net"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// pathTo is the way the tunnel's packets to ep leave the machine: the
// kernel's route for a packet with the tunnel socket's mark, through a
// link that is up and has its carrier. except (the tunnel's own interface)
// needs no check here: the mark keeps the packets out of the tunnel.
func pathTo(ep netip.Addr, mark uint32, _ string) path {
	routes, err := netlink.RouteGetWithOptions(ep.AsSlice(), &netlink.RouteGetOptions{Mark: mark})
	if err != nil || len(routes) == 0 {
		return path{}
	}
	r := routes[0]
	switch r.Type {
	case unix.RTN_BLACKHOLE, unix.RTN_UNREACHABLE, unix.RTN_PROHIBIT, unix.RTN_THROW:
		return path{}
	}
	link, err := netlink.LinkByIndex(r.LinkIndex)
	if err != nil || !linkUp(link.Attrs()) {
		return path{}
	}
	gw, _ := netip.AddrFromSlice(r.Gw)
	src, _ := netip.AddrFromSlice(r.Src)
	return path{ok: true, link: r.LinkIndex, gateway: gw.Unmap(), source: src.Unmap()}
}

// linkUp: switched on, and neither its carrier nor the link under it is
// gone (a cable pulled, a radio off, the other end of a veth down).
func linkUp(a *netlink.LinkAttrs) bool {
	if a.Flags&net.FlagUp == 0 {
		return false
	}
	switch a.OperState {
	case netlink.OperDown, netlink.OperLowerLayerDown, netlink.OperNotPresent:
		return false
	}
	return true
}

// defaultRoutes are the main table's default routes (IPv4 and IPv6) on
// links other than except: where the laptop's traffic goes. A new
// gateway or link there is a move to another network even when the way
// to the endpoints (on the same link, say) did not change.
func defaultRoutes(except string) []path {
	exceptIndex := -1
	if l, err := netlink.LinkByName(except); err == nil {
		exceptIndex = l.Attrs().Index
	}
	var out []path
	for _, family := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		routes, err := netlink.RouteListFiltered(family, &netlink.Route{Table: unix.RT_TABLE_MAIN}, netlink.RT_FILTER_TABLE)
		if err != nil {
			continue
		}
		for _, r := range routes {
			if r.Dst != nil && !r.Dst.IP.IsUnspecified() || r.LinkIndex == exceptIndex {
				continue
			}
			if r.Dst != nil {
				if ones, _ := r.Dst.Mask.Size(); ones != 0 {
					continue
				}
			}
			gw, _ := netip.AddrFromSlice(r.Gw)
			out = append(out, path{ok: true, link: r.LinkIndex, gateway: gw.Unmap()})
		}
	}
	slices.SortFunc(out, func(a, b path) int {
		if a.link != b.link {
			return a.link - b.link
		}
		return a.gateway.Compare(b.gateway)
	})
	return out
}
