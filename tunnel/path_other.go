//go:build !linux

package tunnel

import (
	"net"
	"net/netip"
)

// pathTo is the way the tunnel's packets to ep leave the machine, as far as
// this OS shows it without a route lookup that honours the tunnel's own
// routes: the first interface other than except (the tunnel's) that is up
// and running with a global address of ep's family. Wi-Fi off or the cable
// pulled leaves none.
func pathTo(ep netip.Addr, _ uint32, except string) path {
	ifaces, err := net.Interfaces()
	if err != nil {
		return path{}
	}
	for _, iface := range ifaces {
		if iface.Name == except || iface.Flags&net.FlagUp == 0 || iface.Flags&net.FlagRunning == 0 || iface.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := iface.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			n, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip, ok := netip.AddrFromSlice(n.IP)
			if !ok {
				continue
			}
			ip = ip.Unmap()
			if ip.Is4() == ep.Is4() && ip.IsGlobalUnicast() {
				return path{ok: true, link: iface.Index, source: ip}
			}
		}
	}
	return path{}
}

// defaultRoutes: WatchNetwork tells of route changes here, but pathTo
// does not read routes; the interfaces it looks at stand for them.
func defaultRoutes(string) []path { return nil }
