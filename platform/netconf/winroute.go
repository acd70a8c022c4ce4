package netconf

import (
	"errors"
	"net/netip"
	"slices"
)

// The route plan of the Windows backend, free of Windows calls so that it is
// tested on any OS.
//
// Windows has no policy routing. A full tunnel routes 0.0.0.0/0 (and ::/0)
// into the tunnel, whose interface metric is 0 so that its default route and
// its DNS win, and pins the tunnel's own UDP socket to the interface of the
// best other default route (IP_UNICAST_IF), as wireguard-windows does: the
// encrypted packets never loop into the tunnel, endpoints may roam without a
// host route each, and when the default route moves the socket follows.

// errWinTable: Windows has a single routing table.
var errWinTable = errors.New("the configuration names a routing table (Table = N), and Windows has only one: remove Table from the configuration, or set Table = off to add no routes")

// winRoutePlan is what ApplyNetwork routes into a tunnel on Windows.
type winRoutePlan struct {
	// Routes go into the tunnel: masked, without duplicates, in the
	// configuration's order.
	Routes []netip.Prefix
	// Families are 4 and 6 when a default route of that family goes into
	// the tunnel: the socket of that family is pinned.
	Families []int
}

func planWinRoutes(cfg NetworkConfig) (winRoutePlan, error) {
	var plan winRoutePlan
	if cfg.RoutesOff {
		return plan, nil
	}
	if cfg.Table != 0 {
		return plan, errWinTable
	}
	for _, p := range cfg.Routes {
		p = p.Masked()
		if slices.Contains(plan.Routes, p) {
			continue
		}
		plan.Routes = append(plan.Routes, p)
		if p.Bits() == 0 {
			plan.Families = append(plan.Families, winFamily(p.Addr()))
		}
	}
	slices.Sort(plan.Families)
	return plan, nil
}

func winFamily(a netip.Addr) int {
	if a.Is4() || a.Is4In6() {
		return 4
	}
	return 6
}

// winDefaultRoute is a default route of the Windows routing table.
type winDefaultRoute struct {
	LUID  uint64
	Index uint32
	// Metric is the route's metric plus its interface's: what Windows
	// compares.
	Metric uint32
	// Up: the interface is operational.
	Up bool
}

// bindInterface picks the interface a full tunnel's UDP socket leaves by: the
// one of the cheapest default route that is not the tunnel's own (LUID
// tunnel) and whose interface is up. ok is false when there is none; the
// socket then drops what it sends (it is blackholed) instead of sending it
// into the tunnel.
func bindInterface(routes []winDefaultRoute, tunnel uint64) (index uint32, ok bool) {
	best := uint32(0)
	for _, r := range routes {
		if r.LUID == tunnel || !r.Up || r.Index == 0 {
			continue
		}
		if !ok || r.Metric < best {
			index, best, ok = r.Index, r.Metric, true
		}
	}
	return index, ok
}
