// Package netconf configures the network for a tunnel: addresses, MTU,
// routes and DNS per OS, the records that undo them after a crash, the
// watching of route changes, and the resolver for endpoint look-ups. The
// macOS and Windows route and DNS planning (macroute.go, macdns.go,
// winroute.go) is OS-neutral and tested on every OS.
package netconf

import (
	"errors"
	"log/slog"
	"net/netip"
)

// NetworkConfig is what a tunnel needs from the OS network stack besides the
// TUN device itself: addresses, MTU, routes, and DNS.
type NetworkConfig struct {
	// Log gets what happens to the network while the tunnel is up: the
	// tunnel's logger, so that the entries reach the service's log.
	Log *slog.Logger
	// Interface is the tunnel's network interface, already created.
	Interface string
	// MTU of the interface; 0 picks the MTU of the path to the endpoints
	// minus WireGuard's 80 bytes of overhead, as wg-quick does.
	MTU int
	// Addresses of the interface.
	Addresses []netip.Prefix
	// Routes are the prefixes to route into the tunnel: every AllowedIPs.
	Routes []netip.Prefix
	// RoutesOff adds no routes at all (wg-quick's Table = off).
	RoutesOff bool
	// Table puts every route into this routing table and adds no policy
	// rules (Table = N); 0 means the main table, with a default route
	// handled by policy routing (Table = auto).
	Table uint32
	// FwMark is the configuration's FwMark, 0 for none.
	FwMark uint32
	// Endpoints are the peers' resolved addresses, to pick the MTU.
	Endpoints []netip.Addr
	// CurrentEndpoints, if set, returns the peers' endpoints as they are
	// now (after roaming and re-resolution). A full tunnel on macOS, which
	// routes each endpoint around the tunnel, asks again from time to time.
	CurrentEndpoints func() []netip.Addr
	// SetBindMark puts a firewall mark on the tunnel's own UDP socket. A
	// full tunnel on Linux calls it, before any route sends traffic into
	// the tunnel, with the mark that keeps the tunnel's packets out of it.
	SetBindMark func(mark uint32) error
	// BindToInterface pins the tunnel's UDP socket of one IP family (4 or
	// 6) to the interface with that index, whatever the routes say;
	// blackhole drops what it sends while there is no interface to pin it
	// to. A full tunnel on Windows calls it once the device is up (after
	// OnSendable) and again whenever the default route moves.
	BindToInterface func(family int, index uint32, blackhole bool) error
	// OnSendable, if set, is called as soon as the tunnel's socket may
	// send: it has the mark it keeps (SetBindMark) and no route of the
	// tunnel exists yet, before the MTU, the link, the addresses and the
	// routes. The tunnel lets the kill switch know and starts its
	// handshakes there, so that they overlap the rest of the set-up.
	OnSendable func()
	// StateDir holds the records that let RecoverNetwork undo what a
	// crashed process left behind.
	StateDir string
}

// DNSConfig is a tunnel's DNS while it is up.
type DNSConfig struct {
	Interface string
	Servers   []netip.Addr
	Search    []string
	// DefaultRoute sends every query to the tunnel's servers (a full
	// tunnel), not only those for the search domains.
	DefaultRoute bool
	// StateDir holds the record that lets RecoverNetwork restore the
	// previous DNS configuration after a crash.
	StateDir string
}

// Network is a tunnel's applied network configuration.
type Network interface {
	// FwMark is the mark on the tunnel's UDP socket, 0 if none.
	FwMark() uint32
	// DefaultRoute reports whether a default route goes through the tunnel.
	DefaultRoute() bool
	// Close removes every address, route and rule that was added.
	Close() error
}

// RouteSetter is a Network whose routes can change while the tunnel runs
// (Linux). Elsewhere a change of routes brings the tunnel down and up again.
type RouteSetter interface {
	// SetRoutes routes exactly routes into the tunnel from now on; it
	// fails with ErrRoutesNeedRestart when that needs the tunnel made
	// again (a default route added or removed).
	SetRoutes(routes []netip.Prefix) error
}

// ErrRoutesNeedRestart: the routes cannot change while the tunnel runs.
var ErrRoutesNeedRestart = errors.New("the routes change only when the tunnel comes up again")

// DNS is a tunnel's applied DNS configuration. Close restores the previous
// configuration.
type DNS interface {
	Close() error
}

// Errors a caller can tell the user how to fix.
var (
	// ErrAddressConflict: an address of the tunnel is already on another
	// interface.
	ErrAddressConflict = errors.New("address already in use")
	// ErrRouteConflict: a route of the tunnel already exists through
	// another interface.
	ErrRouteConflict = errors.New("route already exists")
)
