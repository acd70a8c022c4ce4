// Package tunnel runs one WireGuard tunnel: a wireguard-go device in this
// process with a TUN interface named after the tunnel (on macOS a utun the
// kernel numbers) and wireguard-go's default bind, configured from the importer's model, with its addresses,
// routes and DNS (through package platform/netconf), its UAPI socket (so the stock
// `wg show` and `wg set` work on it), stats, and endpoint re-resolution.
package tunnel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/platform/netconf"
)

// defaultMTU is the TUN's MTU until the platform picks the real one.
const defaultMTU = 1420

// Options are the service-wide settings a tunnel runs with.
type Options struct {
	// Logger gets the tunnel's log, with the tunnel's name attached; nil
	// means slog.Default().
	Logger *slog.Logger
	// StateDir is where the tunnel records changes that outlive the process
	// (routing rules, resolv.conf), so that Recover can undo them after a
	// crash. It must survive a crash of the service, and only the tunnel
	// package writes there: for example /var/lib/wgtray/recovery.
	StateDir string
	// BeforeTraffic, when set, is called once before the device sends its
	// first packet, with the interface, the mark on the tunnel's socket
	// (0 if none) and the peers' endpoints as resolved, so that a kill
	// switch can let the first handshake through.
	BeforeTraffic func(iface string, mark uint32, endpoints []netip.AddrPort)
	// OnHealth, when set, is told each change of the tunnel's Health (the
	// network under it went away or came back, peers stopped answering),
	// from the tunnel's own goroutine, which waits for it to return.
	OnHealth func(Health)
	// Rosenpass, when set, makes some peers' preshared keys post-quantum:
	// those peers get a random preshared key until the first exchange, and
	// the endpoints BeforeTraffic gets include their Rosenpass endpoints.
	Rosenpass *RosenpassConfig
}

// Errors Start returns (wrapped, with a sentence for the user) for failures
// a caller may want to tell apart.
var (
	// ErrNameTaken: an interface or a WireGuard UAPI socket of that name
	// already exists, in this or another network namespace.
	ErrNameTaken = errors.New("the interface name is taken")
	// ErrEndpointUnresolvable: a peer's endpoint host name does not resolve.
	ErrEndpointUnresolvable = errors.New("an endpoint does not resolve")
	// ErrNoTUN: the OS offers no TUN device.
	ErrNoTUN = errors.New("no TUN device")
	// ErrAddressConflict: an interface address is already in use.
	ErrAddressConflict = netconf.ErrAddressConflict
	// ErrNoPrivateKey: the configuration has no private key (a redacted
	// configuration whose secrets were not added back).
	ErrNoPrivateKey = errors.New("no private key")
)

// Tunnel is a running tunnel.
type Tunnel struct {
	name     string
	ifname   string // the OS interface: name, or the utunN macOS picked
	log      *slog.Logger
	stateDir string
	dev      *device.Device
	uapi     net.Listener
	network  netconf.Network
	dns      netconf.DNS
	pq       *postQuantum // nil without Rosenpass
	pins     socketPins   // where the platform pinned the WireGuard socket

	// peersMu serializes SetPeers and Close, and guards routes.
	peersMu sync.Mutex
	closed  bool
	routes  []netip.Prefix // every peer's AllowedIPs

	// resolveMu guards what reresolve works on: the peers whose endpoints
	// are host names and where they resolved to.
	resolveMu   sync.Mutex
	hosts       []importer.Peer
	resolved    map[importer.Key]netip.AddrPort
	reresolving bool

	onHealth func(Health)
	healthMu sync.Mutex
	health   Health

	stop      chan struct{}
	workers   sync.WaitGroup
	closeOnce sync.Once
	closeErr  error
}

// Start brings a tunnel up: it returns once the interface exists with its
// addresses, routes and DNS, and the device listens. On error nothing of it
// is left behind. ctx bounds the start (endpoint resolution above all), not
// the tunnel's life: that ends with Close.
func Start(ctx context.Context, name string, cfg *importer.Config, opts Options) (_ *Tunnel, err error) {
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	log = log.With("tunnel", name)
	if opts.StateDir == "" {
		return nil, fmt.Errorf("bring up %s: tunnel.Options.StateDir is required", name)
	}
	if cfg.Interface.PrivateKey.IsZero() {
		return nil, fmt.Errorf("bring up %s: %w: add the private key to the configuration", name, ErrNoPrivateKey)
	}
	if interfaceExists(name) {
		return nil, fmt.Errorf("bring up %s: %w: an interface called %s already exists; bring that one down or rename the tunnel", name, ErrNameTaken, name)
	}
	endpoints, err := resolveEndpoints(ctx, cfg.Peers)
	if err != nil {
		return nil, fmt.Errorf("bring up %s: %w", name, err)
	}
	var pqAddrs []netip.AddrPort
	if rc := opts.Rosenpass; rc != nil {
		if err := checkRosenpass(rc, cfg); err != nil {
			return nil, fmt.Errorf("bring up %s: %w", name, err)
		}
		if pqAddrs, err = resolveRosenpass(ctx, rc, cfg, endpoints); err != nil {
			return nil, fmt.Errorf("bring up %s: Rosenpass endpoint: %w", name, err)
		}
		cfg = cfg.Clone()
		defer wipeKeys(cfg)
		randomPresharedKeys(cfg, rc)
	}

	t := &Tunnel{name: name, log: log, stateDir: opts.StateDir, onHealth: opts.OnHealth, stop: make(chan struct{})}
	var undo []func() error
	defer func() {
		if err != nil {
			for i := len(undo) - 1; i >= 0; i-- {
				if uerr := undo[i](); uerr != nil {
					log.Error("clean up after a failed start", "err", uerr)
				}
			}
		}
	}()

	keepUDPOffloadOn()

	mtu := cfg.Interface.MTU
	if mtu == 0 {
		mtu = defaultMTU
	}
	tdev, err := createTUN(tunName(name), mtu)
	if err != nil {
		if hint, missing := tunMissing(); missing {
			return nil, fmt.Errorf("bring up %s: %w: %s", name, ErrNoTUN, hint)
		}
		return nil, fmt.Errorf("bring up %s: create the TUN interface: %w", name, err)
	}
	if t.ifname, err = tdev.Name(); err != nil {
		tdev.Close()
		return nil, fmt.Errorf("bring up %s: name of the TUN interface: %w", name, err)
	}
	t.dev = device.NewDevice(tdev, conn.NewDefaultBind(), deviceLogger(log))
	undo = append(undo, func() error { t.dev.Close(); return nil })

	// The UAPI text holds the private key: it never goes to a log, the
	// device's own error for it does not quote it, and it is cleared once
	// the device has it.
	//
	// The device is up from the TUN's creation on (wireguard-go sees a
	// TUN with a virtio header as up), and a peer with a persistent
	// keepalive would start its handshake as soon as it is configured:
	// before the kill switch knows the tunnel's socket, which refuses that
	// packet, retried only 5 s later. So the keepalives come in sendable.
	quiet := *cfg
	quiet.Peers = slices.Clone(cfg.Peers)
	for i := range quiet.Peers {
		quiet.Peers[i].PersistentKeepalive = 0
	}
	uapi := quiet.UAPI(endpoints)
	clear(quiet.Peers)
	err = t.dev.IpcSetOperation(bytes.NewReader(uapi))
	clear(uapi)
	if err != nil {
		return nil, fmt.Errorf("bring up %s: configure WireGuard: %w", name, err)
	}
	// The UDP socket opens here, in this goroutine: wireguard-go's own
	// TUN event reader brings the device up as well, and a goroutine of
	// ours only waited for a CPU behind it (a millisecond on a busy
	// machine) before sendable could go on. Nothing is sent yet: no peer
	// has a keepalive, and the interface is down.
	if err := t.dev.Up(); err != nil {
		return nil, fmt.Errorf("bring up %s: open the UDP socket (is ListenPort %d used by another program?): %w", name, cfg.Interface.ListenPort, err)
	}

	routes := routesOf(cfg)
	t.routes = routes
	var endpointAddrs []netip.Addr
	var peerEndpoints []netip.AddrPort
	for _, p := range cfg.Peers {
		if ep, ok := endpoints[p.PublicKey]; ok {
			endpointAddrs = append(endpointAddrs, ep.Addr())
			peerEndpoints = append(peerEndpoints, ep)
		} else if a, err := netip.ParseAddr(p.Endpoint.Host); err == nil {
			endpointAddrs = append(endpointAddrs, a)
			peerEndpoints = append(peerEndpoints, netip.AddrPortFrom(a, p.Endpoint.Port))
		}
	}
	for _, a := range pqAddrs {
		if !slices.Contains(endpointAddrs, a.Addr()) {
			endpointAddrs = append(endpointAddrs, a.Addr())
		}
		peerEndpoints = append(peerEndpoints, a)
	}
	var mark uint32
	var keepaliveErr error
	sent := false
	// sendable lets the kill switch know the tunnel's socket, then starts
	// the handshakes: the first initiation goes out while the rest of the
	// network is set up.
	sendable := func() {
		if sent {
			return
		}
		sent = true
		if opts.BeforeTraffic != nil {
			opts.BeforeTraffic(t.ifname, mark, peerEndpoints)
		}
		keepaliveErr = t.keepalives(cfg.Peers)
		t.handshake(cfg.Peers)
	}
	t.network, err = netconf.ApplyNetwork(netconf.NetworkConfig{
		Log:              log,
		Interface:        t.ifname,
		MTU:              cfg.Interface.MTU,
		Addresses:        cfg.Interface.Addresses,
		Routes:           routes,
		RoutesOff:        cfg.Interface.Table.Off,
		Table:            cfg.Interface.Table.ID,
		FwMark:           cfg.Interface.FwMark,
		Endpoints:        endpointAddrs,
		CurrentEndpoints: t.endpoints,
		SetBindMark:      func(m uint32) error { mark = m; return t.dev.BindSetMark(m) },
		OnSendable:       sendable,
		BindToInterface: func(family int, index uint32, blackhole bool) error {
			t.pins.set(family, index, blackhole)
			return pinBind(t.dev)(family, index, blackhole)
		},
		StateDir: opts.StateDir,
	})
	if err != nil {
		return nil, fmt.Errorf("bring up %s: %w", name, err)
	}
	undo = append(undo, t.network.Close)

	sendable()
	if keepaliveErr != nil {
		return nil, fmt.Errorf("bring up %s: %w", name, keepaliveErr)
	}

	if len(cfg.Interface.DNS) > 0 || len(cfg.Interface.DNSSearch) > 0 {
		t.dns, err = netconf.ApplyDNS(netconf.DNSConfig{
			Interface:    t.ifname,
			Servers:      cfg.Interface.DNS,
			Search:       cfg.Interface.DNSSearch,
			DefaultRoute: t.network.DefaultRoute(),
			StateDir:     opts.StateDir,
		}, log)
		if err != nil {
			return nil, fmt.Errorf("bring up %s: %w", name, err)
		}
		undo = append(undo, t.dns.Close)
	}

	if rc := opts.Rosenpass; rc != nil {
		if t.pq, err = startPostQuantum(log, t.dev, rc, cfg, pqAddrs, socketOptions{mark: mark, pins: &t.pins}); err != nil {
			return nil, fmt.Errorf("bring up %s: %w", name, err)
		}
		undo = append(undo, func() error { t.pq.close(); return nil })
	}

	// The UAPI socket comes last, off the first handshake's way, and so
	// does the record that lets Recover remove it after a crash. Its
	// directory is shared by every network namespace, so only here does a
	// WireGuard interface of the same name elsewhere show.
	if err := markRunning(opts.StateDir, name); err != nil {
		return nil, fmt.Errorf("bring up %s: %w", name, err)
	}
	undo = append(undo, func() error { return unmarkRunning(opts.StateDir, name) })
	uapiFile, err := openUAPI(t.ifname)
	if err != nil {
		return nil, fmt.Errorf("bring up %s: %w: another WireGuard interface of that name runs (%v); bring it down or rename the tunnel", name, ErrNameTaken, err)
	}
	undo = append(undo, func() error { uapiFile.Close(); return removeUAPI(t.ifname) })
	if err := linkUAPI(name, t.ifname); err != nil {
		return nil, fmt.Errorf("bring up %s: %w", name, err)
	}
	undo = append(undo, func() error { return unlinkUAPI(name) })
	t.uapi, err = listenUAPI(t.ifname, uapiFile)
	if errors.Is(err, os.ErrNotExist) {
		// `wg show` unlinks a socket that refuses its connection, and a
		// socket does between its bind and listen: another `wg show` on
		// the machine may have taken ours. Make it again.
		uapiFile.Close()
		if uapiFile, err = openUAPI(t.ifname); err == nil {
			t.uapi, err = listenUAPI(t.ifname, uapiFile)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("bring up %s: serve the UAPI socket: %w", name, err)
	}
	uapiFile.Close()
	t.workers.Add(2)
	go t.serveUAPI()
	go t.rejoin()

	t.setHostPeers(cfg.Peers, endpoints)
	log.Info("tunnel up", "interface", t.ifname, "peers", len(cfg.Peers), "default_route", t.network.DefaultRoute(), "fwmark", t.network.FwMark())
	return t, nil
}

// ErrClosed: the tunnel was closed.
var ErrClosed = errors.New("the tunnel is down")

// ErrNeedsRestart: SetPeers cannot make the change on the running tunnel
// (its routes cannot change in place on this OS, or a default route comes
// or goes); bring the tunnel up again with the config. Nothing was changed.
var ErrNeedsRestart = errors.New("the change needs the tunnel brought up again")

// routesOf are the prefixes a config routes into the tunnel: every
// AllowedIPs, as the network is given them.
func routesOf(cfg *importer.Config) []netip.Prefix {
	routes := []netip.Prefix{}
	for _, p := range cfg.Peers {
		routes = append(routes, p.AllowedIPs...)
	}
	return routes
}

// SetPeers changes the peers of the running tunnel to those of cfg through
// the device's UAPI, without touching the interface: peers that are gone are
// removed, new ones added, and the others updated in place (preshared key,
// endpoint, keepalive, allowed IPs), keeping their sessions. It resolves
// host names first and calls beforeTraffic with the peers' endpoints before
// the device may send to a new one. The routes follow the allowed IPs
// where the OS allows (Linux), else SetPeers fails with ErrNeedsRestart
// before it changes anything. The interface settings of cfg are not
// applied: a caller brings the tunnel up again for those.
func (t *Tunnel) SetPeers(ctx context.Context, cfg *importer.Config, beforeTraffic func([]netip.AddrPort)) error {
	t.peersMu.Lock()
	defer t.peersMu.Unlock()
	if t.closed {
		return fmt.Errorf("change the peers of %s: %w", t.name, ErrClosed)
	}
	endpoints, err := resolveEndpoints(ctx, cfg.Peers)
	if err != nil {
		return fmt.Errorf("change the peers of %s: %w", t.name, err)
	}
	var eps []netip.AddrPort
	for i := range cfg.Peers {
		if ep, ok := cfg.Peers[i].ResolvedEndpoint(endpoints); ok {
			eps = append(eps, ep)
		}
	}
	routes := routesOf(cfg)
	routesChange := !slices.Equal(routes, t.routes)
	setter, canRoute := t.network.(netconf.RouteSetter)
	if routesChange && !canRoute {
		return fmt.Errorf("change the peers of %s: %w", t.name, ErrNeedsRestart)
	}
	if beforeTraffic != nil {
		beforeTraffic(eps)
	}
	if routesChange {
		if err := setter.SetRoutes(routes); err != nil {
			if errors.Is(err, netconf.ErrRoutesNeedRestart) {
				err = ErrNeedsRestart
			}
			return fmt.Errorf("change the routes of %s: %w", t.name, err)
		}
		t.routes = routes
	}
	st, err := t.Stats()
	if err != nil {
		return fmt.Errorf("change the peers of %s: %w", t.name, err)
	}
	var remove []importer.Key
	for _, p := range st.Peers {
		if !slices.ContainsFunc(cfg.Peers, func(q importer.Peer) bool { return q.PublicKey == p.PublicKey }) {
			remove = append(remove, p.PublicKey)
		}
	}
	setPeers := func(cfg *importer.Config) error {
		uapi := cfg.PeersUAPI(endpoints, remove)
		defer clear(uapi)
		return t.dev.IpcSetOperation(bytes.NewReader(uapi))
	}
	if t.pq != nil {
		err = t.pq.withPresharedKeys(cfg, setPeers)
	} else {
		err = setPeers(cfg)
	}
	if err != nil {
		return fmt.Errorf("change the peers of %s: %w", t.name, err)
	}
	t.setHostPeers(cfg.Peers, endpoints)
	t.handshake(cfg.Peers)
	t.log.Info("peers changed", "peers", len(cfg.Peers), "removed", len(remove))
	return nil
}

// handshake starts a handshake with every peer that has an endpoint, so the
// tunnel shows whether it works before the first packet wants through.
func (t *Tunnel) handshake(peers []importer.Peer) {
	for _, p := range peers {
		if p.Endpoint.IsZero() {
			continue
		}
		if peer := t.dev.LookupPeer(device.NoisePublicKey(p.PublicKey)); peer != nil {
			peer.SendKeepalive()
		}
	}
}

// keepalives turns the peers' persistent keepalives on; the device sends
// the first one (a handshake initiation) at once.
func (t *Tunnel) keepalives(peers []importer.Peer) error {
	var b strings.Builder
	for _, p := range peers {
		if p.PersistentKeepalive != 0 {
			fmt.Fprintf(&b, "public_key=%s\nupdate_only=true\npersistent_keepalive_interval=%d\n", p.PublicKey.Hex(), p.PersistentKeepalive)
		}
	}
	if b.Len() == 0 {
		return nil
	}
	if err := t.dev.IpcSet(b.String()); err != nil {
		return fmt.Errorf("set the persistent keepalives: %w", err)
	}
	return nil
}

func (t *Tunnel) serveUAPI() {
	defer t.workers.Done()
	for {
		c, err := t.uapi.Accept()
		if err != nil {
			select {
			case <-t.stop:
			default:
				t.log.Warn("the UAPI socket stopped; `wg show` no longer works on this tunnel", "err", err)
			}
			return
		}
		go t.dev.IpcHandle(c)
	}
}

// endpoints are the peers' endpoints as the device has them now.
func (t *Tunnel) endpoints() []netip.Addr {
	st, err := t.Stats()
	if err != nil {
		return nil
	}
	var addrs []netip.Addr
	for _, p := range st.Peers {
		if p.Endpoint.IsValid() {
			addrs = append(addrs, p.Endpoint.Addr())
		}
	}
	return addrs
}

// Rosenpass is the post-quantum state of each peer that runs Rosenpass,
// none without it.
func (t *Tunnel) Rosenpass() []RosenpassStats {
	if t.pq == nil {
		return nil
	}
	return t.pq.stats()
}

// Interface is the name of the tunnel's network interface: the tunnel's
// name, except on macOS, where it is the utunN the kernel picked.
func (t *Tunnel) Interface() string { return t.ifname }

// FwMark is the firewall mark on the tunnel's UDP socket: non-zero for a
// full tunnel on Linux, or when the configuration sets FwMark.
func (t *Tunnel) FwMark() uint32 { return t.network.FwMark() }

// DefaultRoute reports whether the tunnel carries a default route (a full
// tunnel).
func (t *Tunnel) DefaultRoute() bool { return t.network.DefaultRoute() }

// Close takes the tunnel down and removes every trace of it: DNS, rules,
// routes, addresses, the UAPI socket and the interface. Calling it again
// returns the first call's result.
func (t *Tunnel) Close() error {
	t.closeOnce.Do(func() {
		t.peersMu.Lock()
		t.closed = true
		t.peersMu.Unlock()
		close(t.stop)
		var errs []error
		if t.dns != nil {
			errs = append(errs, t.dns.Close())
		}
		if t.pq != nil {
			t.pq.close()
		}
		errs = append(errs, t.network.Close())
		// The UAPI listener's Close wakes its own inotify watcher over a
		// pipe, which the watcher closed already if it saw the socket
		// file change (a concurrent `wg show` unlinks sockets it cannot
		// reach): "already closed" and "broken pipe" are harmless.
		if err := t.uapi.Close(); err != nil && !errors.Is(err, os.ErrClosed) && !errors.Is(err, syscall.EPIPE) {
			errs = append(errs, fmt.Errorf("close the UAPI socket: %w", err))
		}
		t.dev.Close()
		t.workers.Wait()
		errs = append(errs, unlinkUAPI(t.name), unmarkRunning(t.stateDir, t.name))
		t.closeErr = errors.Join(errs...)
		if t.closeErr != nil {
			t.closeErr = fmt.Errorf("bring down %s: %w", t.name, t.closeErr)
		}
		t.log.Info("tunnel down")
	})
	return t.closeErr
}

func deviceLogger(log *slog.Logger) *device.Logger {
	return &device.Logger{
		Verbosef: func(format string, args ...any) {
			if log.Enabled(context.Background(), slog.LevelDebug) {
				log.Debug(fmt.Sprintf(format, args...))
			}
		},
		Errorf: func(format string, args ...any) {
			log.Error(fmt.Sprintf(format, args...))
		},
	}
}

// resolveTimeout bounds resolving all endpoints once.
const resolveTimeout = 15 * time.Second
