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
	if _, err := net.InterfaceByName(name); err == nil {
		return nil, fmt.Errorf("bring up %s: %w: an interface called %s already exists; bring that one down or rename the tunnel", name, ErrNameTaken, name)
	}
	endpoints, err := resolveEndpoints(ctx, cfg.Peers)
	if err != nil {
		return nil, fmt.Errorf("bring up %s: %w", name, err)
	}

	t := &Tunnel{name: name, log: log, stateDir: opts.StateDir, stop: make(chan struct{})}
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

	if err := markRunning(opts.StateDir, name); err != nil {
		return nil, fmt.Errorf("bring up %s: %w", name, err)
	}
	undo = append(undo, func() error { return unmarkRunning(opts.StateDir, name) })

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

	uapiFile, err := openUAPI(t.ifname)
	if err != nil {
		return nil, fmt.Errorf("bring up %s: %w: another WireGuard interface of that name runs (%v); bring it down or rename the tunnel", name, ErrNameTaken, err)
	}
	undo = append(undo, func() error { uapiFile.Close(); return removeUAPI(t.ifname) })
	if err := linkUAPI(name, t.ifname); err != nil {
		return nil, fmt.Errorf("bring up %s: %w", name, err)
	}
	undo = append(undo, func() error { return unlinkUAPI(name) })

	// The UAPI text holds the private key: it never goes to a log, the
	// device's own error for it does not quote it, and it is cleared once
	// the device has it.
	uapi := cfg.UAPI(endpoints)
	err = t.dev.IpcSetOperation(bytes.NewReader(uapi))
	clear(uapi)
	if err != nil {
		return nil, fmt.Errorf("bring up %s: configure WireGuard: %w", name, err)
	}

	routes := []netip.Prefix{}
	for _, p := range cfg.Peers {
		routes = append(routes, p.AllowedIPs...)
	}
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
	var mark uint32
	beforeTraffic := func() {
		if opts.BeforeTraffic != nil {
			opts.BeforeTraffic(t.ifname, mark, peerEndpoints)
			opts.BeforeTraffic = nil
		}
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
		OnLinkUp: func() {
			// The device comes up with the link anyway; coming up here
			// lets the first handshake go out at once.
			beforeTraffic()
			if t.dev.Up() == nil {
				t.handshake(cfg.Peers)
			}
		},
		BindToInterface: pinBind(t.dev),
		StateDir:        opts.StateDir,
	})
	if err != nil {
		return nil, fmt.Errorf("bring up %s: %w", name, err)
	}
	undo = append(undo, t.network.Close)

	beforeTraffic()
	if err := t.dev.Up(); err != nil {
		return nil, fmt.Errorf("bring up %s: open the UDP socket (is ListenPort %d used by another program?): %w", name, cfg.Interface.ListenPort, err)
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
	t.workers.Add(1)
	go t.serveUAPI()

	if hosts := peersWithHostnames(cfg.Peers); len(hosts) > 0 {
		t.workers.Add(1)
		go t.reresolve(hosts, endpoints)
	}
	log.Info("tunnel up", "interface", t.ifname, "peers", len(cfg.Peers), "default_route", t.network.DefaultRoute(), "fwmark", t.network.FwMark())
	return t, nil
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
		close(t.stop)
		var errs []error
		if t.dns != nil {
			errs = append(errs, t.dns.Close())
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
