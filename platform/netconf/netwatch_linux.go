package netconf

import (
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
)

// WatchNetwork reports changes of routes, addresses and links, except those on the
// interface named except (the tunnel's own), until stop is closed; then it
// closes the returned channel. Changes that arrive while one is pending are
// merged into it.
func WatchNetwork(except string, stop <-chan struct{}) (<-chan struct{}, error) {
	exceptIndex := -1
	if iface, err := net.InterfaceByName(except); err == nil {
		exceptIndex = iface.Index
	}
	routes := make(chan netlink.RouteUpdate, 16)
	addrs := make(chan netlink.AddrUpdate, 16)
	links := make(chan netlink.LinkUpdate, 16)
	if err := netlink.RouteSubscribe(routes, stop); err != nil {
		return nil, fmt.Errorf("watch routes: %w", err)
	}
	if err := netlink.AddrSubscribe(addrs, stop); err != nil {
		return nil, fmt.Errorf("watch addresses: %w", err)
	}
	// A cable pulled or a radio off keeps the routes and addresses: only
	// the link says so.
	if err := netlink.LinkSubscribe(links, stop); err != nil {
		return nil, fmt.Errorf("watch links: %w", err)
	}
	changed := make(chan struct{}, 1)
	notify := func(index int) {
		if index == exceptIndex {
			return
		}
		select {
		case changed <- struct{}{}:
		default:
		}
	}
	go func() {
		defer close(changed)
		for routes != nil || addrs != nil || links != nil {
			select {
			case u, ok := <-routes:
				if !ok {
					routes = nil
					continue
				}
				notify(u.LinkIndex)
			case u, ok := <-addrs:
				if !ok {
					addrs = nil
					continue
				}
				notify(u.LinkIndex)
			case u, ok := <-links:
				if !ok {
					links = nil
					continue
				}
				notify(int(u.Index))
			}
		}
	}()
	return changed, nil
}
