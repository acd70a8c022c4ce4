package testnet

import (
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/importer"
)

// PeerConfig describes a WireGuard peer to run in a namespace.
type PeerConfig struct {
	// Addresses of the peer's WireGuard interface, e.g. "10.100.0.1/24".
	Addresses []string
	// ListenPort is the UDP port the peer listens on; 0 picks 51820.
	ListenPort uint16
	// Binary is the wireguard-go executable; "" means Debian's
	// /usr/bin/wireguard-go.
	Binary string
}

// Peer is a WireGuard interface run by a wireguard-go process in a
// namespace and configured with the stock `wg` tool.
type Peer struct {
	Namespace  *Namespace
	Interface  string
	PrivateKey importer.Key
	PublicKey  importer.Key
	ListenPort uint16
	Process    *Process
}

// StartPeer starts wireguard-go in the namespace, gives it a fresh key, the
// listen port and addresses, and brings it up. It has no peers yet: add the
// tunnel under test with AddPeer before that tunnel sends its first packet
// (a handshake initiation that finds no peer is lost and retried only 5 s
// later). t.Cleanup stops it.
func StartPeer(t testing.TB, ns *Namespace, cfg PeerConfig) *Peer {
	t.Helper()
	key, err := importer.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p := &Peer{Namespace: ns, Interface: UniqueName("wgp"), PrivateKey: key, PublicKey: key.Public(), ListenPort: cfg.ListenPort}
	if p.ListenPort == 0 {
		p.ListenPort = 51820
	}
	bin := cfg.Binary
	if bin == "" {
		bin = "/usr/bin/wireguard-go"
	}
	p.Process = ns.Start(t, []string{"WG_PROCESS_FOREGROUND=1", "LOG_LEVEL=error"}, bin, "-f", p.Interface)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := ns.Exec("wg", "show", p.Interface); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("wireguard-go %s did not come up:\n%s", p.Interface, p.Process.Output())
		}
		time.Sleep(20 * time.Millisecond)
	}
	keyFile := filepath.Join(t.TempDir(), "private.key")
	if err := os.WriteFile(keyFile, []byte(key.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ns.Run(t, "wg", "set", p.Interface, "private-key", keyFile, "listen-port", strconv.Itoa(int(p.ListenPort)))
	for _, a := range cfg.Addresses {
		args := []string{"addr", "add", a, "dev", p.Interface}
		if netip.MustParsePrefix(a).Addr().Is6() {
			args = append(args, "nodad")
		}
		ns.Run(t, "ip", args...)
	}
	ns.Run(t, "ip", "link", "set", p.Interface, "mtu", "1420", "up")
	return p
}

// AddPeer lets the tunnel with public key pub talk to this peer and routes
// allowedIPs (prefixes such as "10.100.0.2/32") to it.
func (p *Peer) AddPeer(t testing.TB, pub importer.Key, allowedIPs []string) {
	t.Helper()
	p.Namespace.Run(t, "wg", "set", p.Interface, "peer", pub.String(), "allowed-ips", strings.Join(allowedIPs, ","))
	for _, a := range allowedIPs {
		if pfx := netip.MustParsePrefix(a); pfx.Bits() > 0 {
			p.Namespace.Run(t, "ip", "route", "replace", pfx.Masked().String(), "dev", p.Interface)
		}
	}
}

// Endpoint is the peer's address as a tunnel reaches it: addr (the peer
// namespace's veth address) and the listen port.
func (p *Peer) Endpoint(addr string) importer.Endpoint {
	return importer.Endpoint{Host: netip.MustParseAddr(addr).String(), Port: p.ListenPort}
}

// PresharedKey is the preshared key (base64) of the only peer of the
// WireGuard interface iface in ns, read through UAPI with the stock wg.
func (ns *Namespace) PresharedKey(t testing.TB, iface string) string {
	t.Helper()
	f := strings.Fields(ns.Run(t, "wg", "show", iface, "preshared-keys"))
	if len(f) != 2 {
		t.Fatalf("wg show %s preshared-keys: %q", iface, f)
	}
	return f[1]
}
