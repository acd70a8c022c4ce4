package tunnel

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"time"

	rosenpass "cunicu.li/go-rosenpass"
	"golang.zx2c4.com/wireguard/device"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/platform/firewall"
)

// Sizes of Rosenpass's Classic McEliece 460896 static keys.
const (
	RosenpassPublicKeySize = 524160
	RosenpassSecretKeySize = 13608
)

// RosenpassPort is where a peer's Rosenpass listens when nobody says
// otherwise, as in the Rust tools' examples.
const RosenpassPort = 9999

// RosenpassConfig turns Rosenpass on for some of a tunnel's peers: it
// agrees a post-quantum key with each and makes it that peer's preshared
// key, renewed every two minutes.
type RosenpassConfig struct {
	// PublicKey and SecretKey are the tunnel's own Rosenpass key pair.
	// Close wipes SecretKey in place.
	PublicKey, SecretKey []byte
	Peers                []RosenpassPeer
}

// RosenpassPeer is one peer that runs Rosenpass.
type RosenpassPeer struct {
	// Peer is the WireGuard public key of the peer whose preshared key
	// Rosenpass sets.
	Peer importer.Key
	// PublicKey is the peer's Rosenpass public key.
	PublicKey []byte
	// Endpoint is where the peer's Rosenpass listens; a zero one means the
	// peer's WireGuard host and RosenpassPort.
	Endpoint importer.Endpoint
}

// RosenpassState is where a peer's post-quantum key exchange stands.
type RosenpassState string

const (
	// RosenpassWaiting: no exchange has completed since the tunnel came up.
	RosenpassWaiting RosenpassState = "waiting"
	// RosenpassExchanged: the peer's preshared key is the latest key.
	RosenpassExchanged RosenpassState = "exchanged"
	// RosenpassStale: no new key came for staleAfter, so the preshared key
	// was replaced by a random one until the next exchange.
	RosenpassStale RosenpassState = "stale"
)

// RosenpassStats is the post-quantum state of one peer.
type RosenpassStats struct {
	Peer importer.Key
	// Endpoint is the peer's Rosenpass endpoint as configured (HOST:PORT).
	Endpoint     string
	Address      netip.AddrPort
	State        RosenpassState
	LastExchange time.Time // zero if none yet
	Exchanges    int
}

// Reason says in words why a peer's traffic waits, or "" when it does not.
func (s RosenpassStats) Reason() string {
	switch s.State {
	case RosenpassWaiting:
		return "waiting for the post-quantum key exchange with " + s.Endpoint
	case RosenpassStale:
		return "no post-quantum key from " + s.Endpoint + " for " + staleAfter.String() + "; waiting for the next exchange"
	}
	return ""
}

// staleAfter is how long a post-quantum key may serve without a newer one:
// Rosenpass renews every two minutes, and like the Rust tools we stop
// trusting a key a minute after its renewal was due.
var staleAfter = 3 * time.Minute

func init() {
	// go-rosenpass v0.5.42 drops an initiated handshake that got no answer
	// after RejectAfterTime, yet keeps retransmitting its first message and
	// never starts another: a peer that is away for three minutes would
	// never get a key again. Without that expiry the handshake goes on
	// retransmitting (every 10 s) until the peer answers. Stale keys are
	// replaced here (staleAfter), not by the library.
	rosenpass.RejectAfterTime = 100 * 365 * 24 * time.Hour
}

// postQuantum runs Rosenpass for a tunnel's peers, in this process: one
// go-rosenpass server on the loopback, and for each peer a relay that
// carries its packets to the peer's endpoint from a socket the platform
// treats like the tunnel's own WireGuard socket (its mark, so it leaves
// outside the tunnel and passes the kill switch).
type postQuantum struct {
	log    *slog.Logger
	dev    *device.Device
	secret []byte
	conn   *rosenpass.UDPConn
	server *rosenpass.Server
	relays []*relay

	mu     sync.Mutex
	closed bool
	peers  map[rosenpass.PeerID]*pqPeer
}

type pqPeer struct {
	stats RosenpassStats
	stale *time.Timer
	key   importer.Key // the key in force while exchanged, zero otherwise
}

// checkRosenpass validates a Rosenpass configuration against the tunnel's.
func checkRosenpass(rc *RosenpassConfig, cfg *importer.Config) error {
	if len(rc.PublicKey) != RosenpassPublicKeySize || len(rc.SecretKey) != RosenpassSecretKeySize {
		return errors.New("the tunnel's Rosenpass key pair has the wrong size; make a new one")
	}
	for _, p := range rc.Peers {
		if len(p.PublicKey) != RosenpassPublicKeySize {
			return fmt.Errorf("the Rosenpass public key of peer %s is %d bytes, not %d; ask the server's admin for its pqpk file", p.Peer, len(p.PublicKey), RosenpassPublicKeySize)
		}
		found := false
		for _, wp := range cfg.Peers {
			if wp.PublicKey == p.Peer {
				found = true
				if p.Endpoint.IsZero() && wp.Endpoint.IsZero() {
					return fmt.Errorf("peer %s has neither an endpoint nor a Rosenpass endpoint; set the Rosenpass endpoint", p.Peer)
				}
			}
		}
		if !found {
			return fmt.Errorf("Rosenpass is on for peer %s, which the configuration no longer has; turn it off for that peer", p.Peer)
		}
	}
	return nil
}

// rosenpassEndpoint is where peer p's Rosenpass listens.
func rosenpassEndpoint(p RosenpassPeer, cfg *importer.Config) importer.Endpoint {
	if !p.Endpoint.IsZero() {
		return p.Endpoint
	}
	for _, wp := range cfg.Peers {
		if wp.PublicKey == p.Peer {
			return importer.Endpoint{Host: wp.Endpoint.Host, Port: RosenpassPort}
		}
	}
	return importer.Endpoint{}
}

// randomPresharedKeys gives every Rosenpass peer of cfg a random preshared
// key, so that no WireGuard session forms before the first exchange.
func randomPresharedKeys(cfg *importer.Config, rc *RosenpassConfig) {
	for i := range cfg.Peers {
		for _, p := range rc.Peers {
			if p.Peer == cfg.Peers[i].PublicKey {
				rand.Read(cfg.Peers[i].PresharedKey[:])
			}
		}
	}
}

// wipeKeys clears the keys of a copy of a configuration.
func wipeKeys(cfg *importer.Config) {
	clear(cfg.Interface.PrivateKey[:])
	for i := range cfg.Peers {
		clear(cfg.Peers[i].PresharedKey[:])
	}
}

// resolveRosenpass resolves the peers' Rosenpass endpoints, in the order of
// rc.Peers. A host that is the peer's WireGuard host takes the address that
// resolved to.
func resolveRosenpass(ctx context.Context, rc *RosenpassConfig, cfg *importer.Config, wg map[importer.Key]netip.AddrPort) ([]netip.AddrPort, error) {
	var out []netip.AddrPort
	for _, p := range rc.Peers {
		ep := rosenpassEndpoint(p, cfg)
		if a, err := netip.ParseAddr(ep.Host); err == nil {
			out = append(out, netip.AddrPortFrom(a.Unmap(), ep.Port))
			continue
		}
		if w, ok := wg[p.Peer]; ok && peerHost(cfg, p.Peer) == ep.Host {
			out = append(out, netip.AddrPortFrom(w.Addr(), ep.Port))
			continue
		}
		a, err := resolve(ctx, ep, firewall.ResolverMark)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func peerHost(cfg *importer.Config, peer importer.Key) string {
	for _, p := range cfg.Peers {
		if p.PublicKey == peer {
			return p.Endpoint.Host
		}
	}
	return ""
}

// startPostQuantum starts the exchanges. addrs are the Rosenpass endpoints
// as resolved, in the order of rc.Peers; mark is the tunnel socket's mark.
func startPostQuantum(log *slog.Logger, dev *device.Device, rc *RosenpassConfig, cfg *importer.Config, addrs []netip.AddrPort, sock socketOptions) (_ *postQuantum, err error) {
	pq := &postQuantum{log: log.With("rosenpass", true), dev: dev, secret: rc.SecretKey, peers: map[rosenpass.PeerID]*pqPeer{}}
	defer func() {
		if err != nil {
			pq.close()
		}
	}()
	loopback := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
	if pq.conn, err = rosenpass.NewUDPConn([]*net.UDPAddr{loopback}); err != nil {
		return nil, fmt.Errorf("Rosenpass: %w", err)
	}
	var peers []rosenpass.PeerConfig
	for i, p := range rc.Peers {
		r, err := newRelay(addrs[i], sock, pq.log)
		if err != nil {
			return nil, fmt.Errorf("Rosenpass for peer %s: %w", p.Peer, err)
		}
		pq.relays = append(pq.relays, r)
		pc := rosenpass.PeerConfig{PublicKey: p.PublicKey, Endpoint: r.inner.LocalAddr().(*net.UDPAddr)}
		peers = append(peers, pc)
		pq.peers[pc.PID()] = &pqPeer{stats: RosenpassStats{
			Peer:     p.Peer,
			Endpoint: rosenpassEndpoint(p, cfg).String(),
			Address:  addrs[i],
			State:    RosenpassWaiting,
		}}
	}
	pq.server, err = rosenpass.NewServer(rosenpass.Config{
		PublicKey: rc.PublicKey,
		SecretKey: rc.SecretKey,
		Peers:     peers,
		Handlers:  []rosenpass.Handler{pq},
		Conn:      pq.conn,
		Logger:    slog.New(&mutedHandler{pq: pq, next: pq.log.Handler()}),
	})
	if err != nil {
		return nil, fmt.Errorf("Rosenpass: %w", err)
	}
	eps, err := pq.conn.LocalEndpoints()
	if err != nil || len(eps) != 1 {
		return nil, fmt.Errorf("Rosenpass: its loopback socket has no address (%v)", err)
	}
	local, err := netip.ParseAddrPort(eps[0].String())
	if err != nil {
		return nil, fmt.Errorf("Rosenpass: its loopback socket: %w", err)
	}
	for _, r := range pq.relays {
		r.start(local)
	}
	if err := pq.server.Run(); err != nil {
		return nil, fmt.Errorf("Rosenpass: %w", err)
	}
	for _, p := range pq.peers {
		pq.log.Info("waiting for the post-quantum key exchange", "peer", p.stats.Peer.String(), "endpoint", p.stats.Endpoint)
	}
	return pq, nil
}

// HandshakeCompleted is go-rosenpass's report of a new key.
func (pq *postQuantum) HandshakeCompleted(id rosenpass.PeerID, key rosenpass.Key) {
	defer clear(key[:])
	pq.mu.Lock()
	defer pq.mu.Unlock()
	p, ok := pq.peers[id]
	if !ok || pq.closed {
		return
	}
	if err := pq.setPresharedKey(p.stats.Peer, importer.Key(key)); err != nil {
		pq.log.Error("cannot hand the post-quantum key to WireGuard", "peer", p.stats.Peer.String(), "error", err.Error())
		return
	}
	first := p.stats.State != RosenpassExchanged
	p.key = importer.Key(key)
	p.stats.State, p.stats.LastExchange = RosenpassExchanged, time.Now()
	p.stats.Exchanges++
	if p.stale != nil {
		p.stale.Stop()
	}
	p.stale = time.AfterFunc(staleAfter, func() { pq.expire(id) })
	if first {
		pq.log.Info("post-quantum key exchanged", "peer", p.stats.Peer.String(), "endpoint", p.stats.Endpoint)
	} else {
		pq.log.Debug("post-quantum key renewed", "peer", p.stats.Peer.String())
	}
}

// HandshakeExpired is go-rosenpass's report that a key must no longer be
// used.
func (pq *postQuantum) HandshakeExpired(id rosenpass.PeerID) { pq.expire(id) }

// expire replaces a peer's preshared key with a random one.
func (pq *postQuantum) expire(id rosenpass.PeerID) {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	p, ok := pq.peers[id]
	if !ok || pq.closed || p.stats.State != RosenpassExchanged || time.Since(p.stats.LastExchange) < staleAfter {
		return
	}
	var k importer.Key
	rand.Read(k[:])
	if err := pq.setPresharedKey(p.stats.Peer, k); err != nil {
		pq.log.Error("cannot replace a stale post-quantum key", "peer", p.stats.Peer.String(), "error", err.Error())
		return
	}
	clear(p.key[:])
	p.stats.State = RosenpassStale
	pq.log.Warn(p.stats.Reason(), "peer", p.stats.Peer.String())
}

// setPresharedKey hands k to the device and wipes the text it wrote it in.
func (pq *postQuantum) setPresharedKey(peer, k importer.Key) error {
	defer clear(k[:])
	text := make([]byte, 0, 256)
	text = append(text, "public_key="...)
	text = hex.AppendEncode(text, peer[:])
	text = append(text, "\nupdate_only=true\npreshared_key="...)
	text = hex.AppendEncode(text, k[:])
	text = append(text, '\n')
	defer clear(text)
	return pq.dev.IpcSetOperation(bytes.NewReader(text))
}

// withPresharedKeys calls set with a copy of cfg in which every Rosenpass
// peer has the preshared key in force (a random one before the first
// exchange or when stale), not the configuration's: a change of peers must
// not put back a key Rosenpass replaced. No new key lands meanwhile.
func (pq *postQuantum) withPresharedKeys(cfg *importer.Config, set func(*importer.Config) error) error {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	c := cfg.Clone()
	defer wipeKeys(c)
	for i := range c.Peers {
		for _, p := range pq.peers {
			if p.stats.Peer != c.Peers[i].PublicKey {
				continue
			}
			if p.stats.State == RosenpassExchanged {
				c.Peers[i].PresharedKey = p.key
			} else {
				rand.Read(c.Peers[i].PresharedKey[:])
			}
		}
	}
	return set(c)
}

// stats is every Rosenpass peer's state, in no particular order.
func (pq *postQuantum) stats() []RosenpassStats {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	out := make([]RosenpassStats, 0, len(pq.peers))
	for _, p := range pq.peers {
		out = append(out, p.stats)
	}
	return out
}

// close stops the exchanges and wipes the secret key in place: the
// library holds the same bytes. go-rosenpass keeps the timers of a
// handshake that was under way (they fail on the closed socket), so its
// log is muted from here on.
func (pq *postQuantum) close() {
	pq.mu.Lock()
	pq.closed = true
	for _, p := range pq.peers {
		if p.stale != nil {
			p.stale.Stop()
		}
		clear(p.key[:])
	}
	pq.mu.Unlock()
	if pq.server != nil {
		if err := pq.server.Close(); err != nil {
			pq.log.Debug("close Rosenpass", "error", err.Error())
		}
	}
	if pq.conn != nil {
		pq.conn.Close()
	}
	for _, r := range pq.relays {
		r.close()
	}
	clear(pq.secret)
}

func (pq *postQuantum) isClosed() bool {
	pq.mu.Lock()
	defer pq.mu.Unlock()
	return pq.closed
}

// mutedHandler passes go-rosenpass's log on while the exchanges run.
type mutedHandler struct {
	pq   *postQuantum
	next slog.Handler
}

func (h *mutedHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return !h.pq.isClosed() && h.next.Enabled(ctx, l)
}

func (h *mutedHandler) Handle(ctx context.Context, r slog.Record) error {
	return h.next.Handle(ctx, r)
}

func (h *mutedHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &mutedHandler{pq: h.pq, next: h.next.WithAttrs(as)}
}

func (h *mutedHandler) WithGroup(name string) slog.Handler {
	return &mutedHandler{pq: h.pq, next: h.next.WithGroup(name)}
}
