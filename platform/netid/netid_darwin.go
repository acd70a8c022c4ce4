package netid

import (
	"fmt"
	"net"
	"net/netip"

	"golang.org/x/net/route"
	"golang.org/x/sys/unix"

	"github.com/wgtray/wgtray/platform/netconf"
)

// Current reads the identity of the network the IPv4 default route goes
// through: its gateway and the gateway's MAC from the ARP table. The SSID
// is left out: CoreWLAN gives it only to apps the user granted location
// access, which a system daemon cannot ask for, so on macOS a Wi-Fi
// network is identified by its gateway's MAC alone.
func Current() (Identity, error) {
	rib, err := route.FetchRIB(unix.AF_INET, route.RIBType(unix.NET_RT_DUMP), 0)
	if err != nil {
		return Identity{}, fmt.Errorf("read the routing table: %w", err)
	}
	msgs, err := route.ParseRIB(route.RIBType(unix.NET_RT_DUMP), rib)
	if err != nil {
		return Identity{}, fmt.Errorf("read the routing table: %w", err)
	}
	var id Identity
	index := 0
	for _, m := range msgs {
		rm, ok := m.(*route.RouteMessage)
		if !ok || rm.Flags&unix.RTF_GATEWAY == 0 || len(rm.Addrs) <= unix.RTAX_NETMASK {
			continue
		}
		dst, ok := rm.Addrs[unix.RTAX_DST].(*route.Inet4Addr)
		if !ok || dst.IP != [4]byte{} {
			continue
		}
		if mask, ok := rm.Addrs[unix.RTAX_NETMASK].(*route.Inet4Addr); ok && mask.IP != [4]byte{} {
			continue
		}
		gw, ok := rm.Addrs[unix.RTAX_GATEWAY].(*route.Inet4Addr)
		if !ok {
			continue
		}
		id.Gateway, index = netip.AddrFrom4(gw.IP), rm.Index
		break
	}
	if !id.Gateway.IsValid() {
		return Identity{}, nil
	}
	if iface, err := net.InterfaceByIndex(index); err == nil {
		id.Interface = iface.Name
	}
	mac, err := arpMAC(id.Gateway)
	if err != nil {
		return Identity{}, err
	}
	id.GatewayMAC = mac
	return id, nil
}

// arpMAC is the MAC the ARP table holds for ip, or "".
func arpMAC(ip netip.Addr) (string, error) {
	rib, err := route.FetchRIB(unix.AF_INET, route.RIBType(unix.NET_RT_FLAGS), unix.RTF_LLINFO)
	if err != nil {
		return "", fmt.Errorf("read the ARP table: %w", err)
	}
	msgs, err := route.ParseRIB(route.RIBType(unix.NET_RT_FLAGS), rib)
	if err != nil {
		return "", fmt.Errorf("read the ARP table: %w", err)
	}
	for _, m := range msgs {
		rm, ok := m.(*route.RouteMessage)
		if !ok || len(rm.Addrs) <= unix.RTAX_GATEWAY {
			continue
		}
		dst, ok := rm.Addrs[unix.RTAX_DST].(*route.Inet4Addr)
		if !ok || netip.AddrFrom4(dst.IP) != ip {
			continue
		}
		if ll, ok := rm.Addrs[unix.RTAX_GATEWAY].(*route.LinkAddr); ok && len(ll.Addr) == 6 {
			return net.HardwareAddr(ll.Addr).String(), nil
		}
	}
	return "", nil
}

// subscribe reports changes on the routing socket, which carries route,
// interface and ARP changes alike.
func subscribe(stop <-chan struct{}) (<-chan struct{}, error) {
	return netconf.WatchNetwork("", stop)
}
