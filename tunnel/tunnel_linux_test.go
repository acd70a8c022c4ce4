package tunnel_test

import (
	"context"
	"errors"
	"log/slog"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/internal/testnet"
	"github.com/wgtray/wgtray/tunnel"
)

// The end-to-end tests build two namespaces joined by a veth link: "client"
// runs the tunnel under test (in a re-executed test binary, see testnet),
// "server" runs Debian's wireguard-go as the peer, and has an address
// (10.201.0.1, fd21::1) that the client can only reach through its default
// route, to tell tunnelled traffic from direct traffic.

const (
	clientVeth   = "10.99.0.1/24"
	serverVeth   = "10.99.0.2/24"
	clientVeth6  = "fd99::1/64"
	serverVeth6  = "fd99::2/64"
	serverTunnel = "10.200.0.1/24"
	clientTunnel = "10.200.0.2/24"
	serverTun6   = "fd20::1/64"
	clientTun6   = "fd20::2/64"
	beyond       = "10.201.0.1"
	beyond6      = "fd21::1"
	origResolv   = "# the namespace's own resolv.conf\nnameserver 127.0.0.1\nsearch example.net\n"
)

type lab struct {
	client, server     *testnet.Namespace
	clientIf, serverIf string // the veth link's ends
	peer               *testnet.Peer
	key                importer.Key
	name               string
	stateDir           string
	resolvConf         string
}

// newLab builds the namespaces and the peer. In the re-executed child it
// runs the child's part of the test instead and returns nil.
func newLab(t testing.TB) *lab {
	return newLabWithPeer(t, "")
}

// newLabWithPeer is newLab with the peer run by the wireguard-go binary
// peerBinary ("" for Debian's).
func newLabWithPeer(t testing.TB, peerBinary string) *lab {
	t.Helper()
	if testnet.Role() != "" {
		runChild(t)
		return nil
	}
	testnet.RequireRoot(t)
	l := &lab{client: testnet.NewNamespace(t), server: testnet.NewNamespace(t), name: testnet.UniqueName("wgc"), stateDir: t.TempDir()}
	l.resolvConf = l.client.WriteEtc(t, "resolv.conf", origResolv)
	l.clientIf, l.serverIf = testnet.Connect(t, l.client, l.server, clientVeth, serverVeth, clientVeth6, serverVeth6)
	l.server.Run(t, "ip", "addr", "add", beyond+"/32", "dev", "lo")
	l.server.Run(t, "ip", "addr", "add", beyond6+"/128", "dev", "lo")
	l.server.Run(t, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")
	l.client.Run(t, "ip", "route", "add", "default", "via", addr(serverVeth))
	l.client.Run(t, "ip", "-6", "route", "add", "default", "via", addr(serverVeth6))
	l.peer = testnet.StartPeer(t, l.server, testnet.PeerConfig{Addresses: []string{serverTunnel, serverTun6}, Binary: peerBinary})
	var err error
	if l.key, err = importer.GenerateKey(); err != nil {
		t.Fatal(err)
	}
	l.peer.AddPeer(t, l.key.Public(), []string{"10.200.0.2/32", "fd20::2/128"})
	return l
}

func addr(prefix string) string { return netip.MustParsePrefix(prefix).Addr().String() }

func (l *lab) config(allowedIPs ...string) *importer.Config {
	var allowed []netip.Prefix
	for _, a := range allowedIPs {
		allowed = append(allowed, netip.MustParsePrefix(a))
	}
	return &importer.Config{
		Interface: importer.Interface{
			PrivateKey: l.key,
			Addresses:  []netip.Prefix{netip.MustParsePrefix(clientTunnel), netip.MustParsePrefix(clientTun6)},
		},
		Peers: []importer.Peer{{
			PublicKey:  l.peer.PublicKey,
			Endpoint:   l.peer.Endpoint(addr(serverVeth)),
			AllowedIPs: allowed,
		}},
	}
}

// payload is what the parent hands the child that runs the tunnel.
type payload struct {
	Name     string
	Config   *importer.Config
	StateDir string
	// Crash makes the child exit without closing the tunnel.
	Crash bool
	// Quiet logs only warnings and errors (for the benchmark).
	Quiet bool
	// Reresolve, when set, replaces the two minutes without a handshake
	// after which the tunnel resolves its endpoint again.
	Reresolve time.Duration
	// HideTUN hides /dev/net/tun from the child, as on a machine without
	// the tun driver. `ip netns exec` gave the child its own mount
	// namespace, so the host does not see this.
	HideTUN bool
	// Cycles is the number of up/down cycles for the leak test and the
	// handshake benchmark.
	Cycles int
	// Rosenpass turns Rosenpass on for the peer (rosenpass_linux_test.go).
	Rosenpass *rosenpassFiles
	// Resume, when set, is a file whose creation the child takes for a
	// resume from an hour's sleep (rejoin_linux_test.go).
	Resume string
	// Health makes the child send a report with Health at each change.
	Health bool
	// Silence, when set, replaces the two and three minutes of an
	// unanswered peer and how often the tunnel checks (rejoin_linux_test.go).
	Silence *silenceTiming
	// SystemBus is the D-Bus system bus the child's tunnel uses ("" for
	// none).
	SystemBus string
}

type silenceTiming struct{ Rejoin, Report, Check time.Duration }

// report is what the child sends once the tunnel is up.
type report struct {
	Err          string
	FwMark       uint32
	DefaultRoute bool
	Stats        tunnel.Stats
	// Handshake is the time from calling Start to the first completed
	// handshake.
	Handshake time.Duration
	// Handshakes are those times for each cycle of the benchmark, and
	// Started the times until Start returned.
	Handshakes, Started []time.Duration
	// Health is set in the reports of a child with payload.Health, one at
	// each change after the first report.
	Health *tunnel.Health
}

func (l *lab) payload(cfg *importer.Config) payload {
	return payload{Name: l.name, Config: cfg, StateDir: l.stateDir}
}

// up runs the tunnel in the client namespace and waits for its handshake.
func (l *lab) up(t testing.TB, p payload) (*testnet.Child, report) {
	t.Helper()
	child := l.client.StartTest(t, "tunnel", p)
	var r report
	child.Receive(t, &r)
	if r.Err != "" {
		t.Fatalf("tunnel did not come up: %s", r.Err)
	}
	return child, r
}

// run runs a child role in the client namespace to its end and returns its
// report; a report with an error fails the test.
func (l *lab) run(t testing.TB, role string, p payload) report {
	t.Helper()
	child := l.client.StartTest(t, role, p)
	var r report
	child.Receive(t, &r)
	child.Stop(t)
	if r.Err != "" {
		t.Fatal(r.Err)
	}
	return r
}

func childLogger(quiet bool) *slog.Logger {
	level := slog.LevelDebug
	if quiet {
		level = slog.LevelWarn
	}
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
}

// runChild is the part of every test that runs inside the client namespace.
func runChild(t testing.TB) {
	var p payload
	if err := testnet.Payload(&p); err != nil {
		t.Fatal(err)
	}
	switch testnet.Role() {
	case "tunnel":
		runTunnel(t, p)
	case "cycles":
		runCycles(t, p)
	case "handshakes":
		runHandshakes(t, p)
	case "rosenpass":
		runRosenpass(t, p)
	case "recover":
		if err := tunnel.Recover(p.StateDir, slog.Default()); err != nil {
			t.Error(err)
		}
		_ = testnet.Send(report{})
	default:
		t.Fatalf("unknown role %q", testnet.Role())
	}
}

func runTunnel(t testing.TB, p payload) {
	if p.HideTUN {
		if err := unix.Mount("none", "/dev/net", "tmpfs", 0, ""); err != nil {
			t.Fatal(err)
		}
	}
	if p.Reresolve != 0 {
		tunnel.SetReresolveTiming(p.Reresolve, p.Reresolve/10)
	}
	if p.Resume != "" {
		fakeResume(t, p.Resume)
	}
	if s := p.Silence; s != nil {
		tunnel.SetSilenceTiming(s.Rejoin, s.Report, s.Check)
	}
	if p.SystemBus != "" {
		t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", p.SystemBus)
	}
	opts := tunnel.Options{Logger: childLogger(p.Quiet), StateDir: p.StateDir}
	if p.Health {
		opts.OnHealth = func(h tunnel.Health) { _ = testnet.Send(report{Health: &h}) }
	}
	start := time.Now()
	tun, err := tunnel.Start(context.Background(), p.Name, p.Config, opts)
	if err != nil {
		_ = testnet.Send(report{Err: err.Error()})
		t.Fatal(err)
	}
	r := report{FwMark: tun.FwMark(), DefaultRoute: tun.DefaultRoute()}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if r.Stats, err = tun.Stats(); err != nil {
			t.Fatal(err)
		}
		if len(r.Stats.Peers) > 0 && !r.Stats.Peers[0].LatestHandshake.IsZero() {
			r.Handshake = time.Since(start)
			break
		}
		time.Sleep(time.Millisecond)
	}
	if err := testnet.Send(r); err != nil {
		t.Fatal(err)
	}
	if p.Crash {
		os.Exit(0)
	}
	testnet.WaitForStop()
	if err := tun.Close(); err != nil {
		t.Error(err)
	}
	if err := tun.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
}

func TestTunnelCarriesTrafficAndStockWgReadsIt(t *testing.T) {
	l := newLab(t)
	if l == nil {
		return
	}
	before := l.client.Snapshot(t)
	cfg := l.config("10.200.0.0/24", "fd20::/64", beyond+"/32", beyond6+"/128")
	cfg.Peers[0].PersistentKeepalive = 25
	child, r := l.up(t, l.payload(cfg))

	if r.Handshake == 0 {
		t.Fatal("no handshake within 10 s of Start")
	}
	t.Logf("first handshake %s after Start", r.Handshake)
	if r.DefaultRoute || r.FwMark != 0 {
		t.Errorf("a split tunnel reports DefaultRoute %v, FwMark %d; want false, 0", r.DefaultRoute, r.FwMark)
	}
	if r.Stats.PublicKey != l.key.Public() || r.Stats.ListenPort == 0 {
		t.Errorf("Stats: public key %s, listen port %d; want %s and a port", r.Stats.PublicKey, r.Stats.ListenPort, l.key.Public())
	}
	if ps := r.Stats.Peers[0]; ps.PublicKey != l.peer.PublicKey || ps.Endpoint.String() != "10.99.0.2:51820" || ps.PersistentKeepalive != 25 || len(ps.AllowedIPs) != 4 {
		t.Errorf("peer stats %+v do not match the configuration", ps)
	}

	for _, dst := range []string{addr(serverTunnel), addr(serverTun6), beyond, beyond6} {
		l.client.Run(t, "ping", "-c2", "-i0.2", "-W3", dst)
	}
	if out := l.client.Run(t, "ip", "route", "get", beyond); !strings.Contains(out, "dev "+l.name) {
		t.Errorf("the route to %s does not go through the tunnel: %s", beyond, out)
	}
	transferTCP(t, l, addr(serverTunnel), 20)

	show := l.client.Run(t, "wg", "show", l.name)
	for _, want := range []string{"public key: " + l.key.Public().String(), "peer: " + l.peer.PublicKey.String(), "latest handshake:", "transfer:", "endpoint: 10.99.0.2:51820"} {
		if !strings.Contains(show, want) {
			t.Errorf("wg show %s lacks %q:\n%s", l.name, want, show)
		}
	}
	// The device counts a batch of sent packets after the send returns, so
	// the last batch (up to ~200 kB) may be counted a moment after the data
	// arrived: read the counter again for up to 2 s.
	var tx uint64
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		fields := strings.Fields(l.client.Run(t, "wg", "show", l.name, "transfer"))
		if len(fields) != 3 {
			t.Fatalf("wg show transfer: %q", fields)
		}
		tx, _ = strconv.ParseUint(fields[2], 10, 64)
		if tx >= 20<<20 || time.Now().After(deadline) {
			break
		}
	}
	if tx < 20<<20 {
		t.Errorf("wg show reports %d bytes sent, want at least the 20 MiB transferred", tx)
	}
	l.client.Run(t, "wg", "set", l.name, "peer", l.peer.PublicKey.String(), "persistent-keepalive", "7")
	if out := l.client.Run(t, "wg", "show", l.name, "persistent-keepalive"); !strings.Contains(out, "\t7") {
		t.Errorf("wg set did not change the running tunnel: %q", out)
	}

	child.Stop(t)
	assertSame(t, "the client namespace", before, l.client.Snapshot(t))
	if _, err := os.Stat(filepath.Join("/var/run/wireguard", l.name+".sock")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the UAPI socket is still there: %v", err)
	}
}

func TestFullTunnelRoutesEverythingThroughPeerAndSetsDNS(t *testing.T) {
	l := newLab(t)
	if l == nil {
		return
	}
	before := l.client.Snapshot(t)
	cfg := l.config("0.0.0.0/0", "::/0")
	// Over IPv6 this time: the endpoint must stay reachable in both families.
	cfg.Peers[0].Endpoint = importer.Endpoint{Host: addr(serverVeth6), Port: l.peer.ListenPort}
	cfg.Interface.DNS = []netip.Addr{netip.MustParseAddr(addr(serverTunnel)), netip.MustParseAddr(addr(serverTun6))}
	cfg.Interface.DNSSearch = []string{"corp.example"}
	child, r := l.up(t, l.payload(cfg))

	if r.Handshake == 0 {
		t.Fatal("no handshake within 10 s: the endpoint is not reachable past the full tunnel")
	}
	if got := r.Stats.Peers[0].Endpoint.String(); got != "[fd99::2]:51820" {
		t.Errorf("the peer's endpoint is %s, want [fd99::2]:51820", got)
	}
	if !r.DefaultRoute || r.FwMark == 0 {
		t.Errorf("a full tunnel reports DefaultRoute %v, FwMark %d; want true and a mark", r.DefaultRoute, r.FwMark)
	}
	for _, dst := range []string{beyond, beyond6, addr(serverTunnel)} {
		if out := l.client.Run(t, "ip", "route", "get", dst); !strings.Contains(out, "dev "+l.name) {
			t.Errorf("traffic to %s does not go through the tunnel: %s", dst, out)
		}
	}
	mark := strconv.FormatUint(uint64(r.FwMark), 10)
	for _, dst := range []string{addr(serverVeth), addr(serverVeth6)} {
		if out := l.client.Run(t, "ip", "route", "get", dst, "mark", mark); strings.Contains(out, "dev "+l.name) {
			t.Errorf("the tunnel's own packets to %s would loop into the tunnel: %s", dst, out)
		}
	}
	txBefore := peerRx(t, l)
	for _, dst := range []string{beyond, beyond6} {
		l.client.Run(t, "ping", "-c3", "-i0.2", "-W3", dst)
	}
	if rx := peerRx(t, l); rx < txBefore+6*84 {
		t.Errorf("the peer received %d bytes through the tunnel during the pings, want at least six pings' worth", rx-txBefore)
	}
	transferTCP(t, l, beyond, 10)

	resolv, err := os.ReadFile(l.resolvConf)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"nameserver 10.200.0.1\n", "nameserver fd20::1\n", "search corp.example\n"} {
		if !strings.Contains(string(resolv), want) {
			t.Errorf("resolv.conf lacks %q while the tunnel is up:\n%s", want, resolv)
		}
	}

	child.Stop(t)
	assertSame(t, "the client namespace", before, l.client.Snapshot(t))
	assertFile(t, l.resolvConf, origResolv)
}

func TestTableSettingsDecideWhereRoutesGo(t *testing.T) {
	l := newLab(t)
	if l == nil {
		return
	}
	before := l.client.Snapshot(t)

	cfg := l.config("0.0.0.0/0", "10.202.0.0/16")
	cfg.Interface.Table = importer.Table{ID: 1234}
	child, r := l.up(t, l.payload(cfg))
	if r.DefaultRoute {
		t.Error("Table = 1234 claims to route the default route")
	}
	if out := l.client.Run(t, "ip", "route", "show", "table", "1234"); !strings.Contains(out, "default dev "+l.name) || !strings.Contains(out, "10.202.0.0/16 dev "+l.name) {
		t.Errorf("table 1234 lacks the tunnel's routes:\n%s", out)
	}
	if out := l.client.Run(t, "ip", "rule"); strings.Contains(out, "1234") {
		t.Errorf("Table = 1234 added policy rules:\n%s", out)
	}
	child.Stop(t)
	assertSame(t, "the client namespace after Table = 1234", before, l.client.Snapshot(t))

	cfg.Interface.Table = importer.Table{Off: true}
	child, _ = l.up(t, l.payload(cfg))
	if out := l.client.Run(t, "ip", "route", "show", "table", "all"); strings.Contains(out, "10.202.0.0") || strings.Contains(out, "default dev "+l.name) {
		t.Errorf("Table = off added routes:\n%s", out)
	}
	child.Stop(t)
	assertSame(t, "the client namespace after Table = off", before, l.client.Snapshot(t))
}

func TestRecoverUndoesWhatACrashedRunLeft(t *testing.T) {
	l := newLab(t)
	if l == nil {
		return
	}
	before := l.client.Snapshot(t)
	cfg := l.config("0.0.0.0/0", "::/0")
	cfg.Interface.DNS = []netip.Addr{netip.MustParseAddr(addr(serverTunnel))}
	p := l.payload(cfg)
	p.Crash = true
	child, _ := l.up(t, p)
	if err := child.Wait(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	if rules := l.client.Run(t, "ip", "rule"); !strings.Contains(rules, "suppress_prefixlength 0") {
		t.Fatalf("the crashed run left no rules behind, so this test tests nothing:\n%s", rules)
	}
	l.run(t, "recover", p)
	assertSame(t, "the client namespace", before, l.client.Snapshot(t))
	assertFile(t, l.resolvConf, origResolv)
	if entries, _ := os.ReadDir(l.stateDir); len(entries) != 0 {
		t.Errorf("recovery records are left in the state directory: %v", entries)
	}
	if _, err := os.Stat(filepath.Join("/var/run/wireguard", l.name+".sock")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the crashed tunnel's UAPI socket is left: %v", err)
	}
}

func TestStartFailuresAreClearAndLeaveNothing(t *testing.T) {
	l := newLab(t)
	if l == nil {
		return
	}
	l.client.Run(t, "ip", "link", "add", "taken0", "type", "veth", "peer", "name", "taken1")
	l.client.Run(t, "ip", "addr", "add", "10.203.0.1/24", "dev", "taken0")
	before := l.client.Snapshot(t)

	taken := l.config("0.0.0.0/0")
	unresolvable := l.config("0.0.0.0/0")
	unresolvable.Peers[0].Endpoint = importer.Endpoint{Host: "no-such-host.invalid", Port: 51820}
	conflict := l.config("0.0.0.0/0", "::/0")
	conflict.Interface.Addresses = append(conflict.Interface.Addresses, netip.MustParsePrefix("10.203.0.1/24"))
	conflict.Interface.DNS = []netip.Addr{netip.MustParseAddr("10.200.0.1")}
	noKey := l.config("0.0.0.0/0")
	noKey.Interface.PrivateKey = importer.Key{}

	for _, c := range []struct {
		name, iface string
		cfg         *importer.Config
		hideTUN     bool
		want        string
	}{
		{"name taken", "taken0", taken, false, "interface called taken0 already exists"},
		{"unresolvable endpoint", l.name, unresolvable, false, "no-such-host.invalid"},
		{"address conflict", l.name, conflict, false, "address 10.203.0.1 of " + l.name + " is already on interface taken0"},
		{"no private key", l.name, noKey, false, "add the private key"},
		{"no TUN", l.name, taken, true, "/dev/net/tun is missing; load the tun kernel module"},
	} {
		p := l.payload(c.cfg)
		p.Name = c.iface
		p.HideTUN = c.hideTUN
		child := l.client.StartTest(t, "tunnel", p)
		var r report
		child.Receive(t, &r)
		_ = child.Wait(10 * time.Second)
		t.Logf("%s: %s", c.name, r.Err)
		if !strings.Contains(r.Err, c.want) {
			t.Errorf("%s: error %q does not say %q", c.name, r.Err, c.want)
		}
		assertSame(t, "the client namespace after "+c.name, before, l.client.Snapshot(t))
		assertFile(t, l.resolvConf, origResolv)
		if _, err := os.Stat(filepath.Join("/var/run/wireguard", c.iface+".sock")); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s: the UAPI socket is left: %v", c.name, err)
		}
		if entries, _ := os.ReadDir(l.stateDir); len(entries) != 0 {
			t.Errorf("%s: records are left in the state directory: %v", c.name, entries)
		}
	}
}

func TestEndpointHostnameIsResolvedAgainWhenTheNetworkChanges(t *testing.T) {
	l := newLab(t)
	if l == nil {
		return
	}
	hosts := l.client.WriteEtc(t, "hosts", "127.0.0.1 localhost\n"+addr(serverVeth)+" peer.wgtray.test\n")
	l.server.Run(t, "ip", "addr", "add", "10.99.0.3/24", "dev", l.serverIf)
	before := l.client.Snapshot(t)
	cfg := l.config("10.200.0.0/24")
	cfg.Peers[0].Endpoint = importer.Endpoint{Host: "peer.wgtray.test", Port: l.peer.ListenPort}
	child, r := l.up(t, l.payload(cfg))
	if got := r.Stats.Peers[0].Endpoint.String(); got != "10.99.0.2:51820" || r.Handshake == 0 {
		t.Fatalf("the host name resolved to %s (handshake after %s), want 10.99.0.2:51820 and a handshake", got, r.Handshake)
	}

	// The server moves; the tunnel learns of it when the network changes
	// (the default gateway).
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n10.99.0.3 peer.wgtray.test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	moved := false
	for i := 0; i < 15 && !moved; i++ {
		gateway := []string{"10.99.0.3", addr(serverVeth)}[i%2]
		l.client.Run(t, "ip", "route", "replace", "default", "via", gateway)
		time.Sleep(1500 * time.Millisecond)
		moved = strings.Contains(l.client.Run(t, "wg", "show", l.name, "endpoints"), "10.99.0.3:51820")
	}
	if !moved {
		t.Error("the endpoint did not follow the host name to 10.99.0.3 after network changes")
	}
	l.client.Run(t, "ip", "route", "replace", "default", "via", addr(serverVeth))
	l.client.Run(t, "ping", "-c1", "-W3", addr(serverTunnel))
	child.Stop(t)
	assertSame(t, "the client namespace", before, l.client.Snapshot(t))
}

func TestEndpointHostnameIsResolvedAgainWithoutHandshakes(t *testing.T) {
	l := newLab(t)
	if l == nil {
		return
	}
	// The name points nowhere at first (the child waits 10 s for a
	// handshake in vain); the server then "moves" to where it really is,
	// as a dynamic DNS name would follow it.
	hosts := l.client.WriteEtc(t, "hosts", "127.0.0.1 localhost\n10.99.0.9 peer.wgtray.test\n")
	cfg := l.config("10.200.0.0/24")
	cfg.Peers[0].Endpoint = importer.Endpoint{Host: "peer.wgtray.test", Port: l.peer.ListenPort}
	p := l.payload(cfg)
	p.Reresolve = 2 * time.Second
	child, r := l.up(t, p)
	if r.Handshake != 0 || r.Stats.Peers[0].Endpoint.String() != "10.99.0.9:51820" {
		t.Fatalf("handshake after %s with endpoint %s; want none, with 10.99.0.9:51820", r.Handshake, r.Stats.Peers[0].Endpoint)
	}
	if err := os.WriteFile(hosts, []byte("127.0.0.1 localhost\n"+addr(serverVeth)+" peer.wgtray.test\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(l.client.Run(t, "wg", "show", l.name, "endpoints"), "10.99.0.2:51820") {
		if time.Now().After(deadline) {
			t.Fatal("the endpoint was not resolved again while no handshake completed")
		}
		time.Sleep(500 * time.Millisecond)
	}
	l.client.Run(t, "ping", "-c1", "-W6", addr(serverTunnel))
	child.Stop(t)
}

func TestHundredUpDownCyclesLeakNothing(t *testing.T) {
	l := newLab(t)
	if l == nil {
		return
	}
	before := l.client.Snapshot(t)
	cfg := l.config("0.0.0.0/0", "::/0", "10.204.0.0/16")
	cfg.Interface.DNS = []netip.Addr{netip.MustParseAddr(addr(serverTunnel))}
	p := l.payload(cfg)
	p.Cycles = 100
	l.run(t, "cycles", p)
	assertSame(t, "the client namespace", before, l.client.Snapshot(t))
	assertFile(t, l.resolvConf, origResolv)
}

func runCycles(t testing.TB, p payload) {
	var problems []string
	// One cycle first: it starts what lives as long as the process (the
	// netlink and DNS resolver machinery, the race detector's helpers).
	cycle := func(i int) {
		tun, err := tunnel.Start(context.Background(), p.Name, p.Config, tunnel.Options{Logger: slog.New(slog.DiscardHandler), StateDir: p.StateDir})
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		if err := tun.Close(); err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
	}
	cycle(0)
	fds, goroutines := settle()
	ipBefore := ipState(t)
	start := time.Now()
	for i := 1; i <= p.Cycles; i++ {
		cycle(i)
	}
	t.Logf("%d cycles in %s", p.Cycles, time.Since(start))
	fdsAfter, goroutinesAfter := settle()
	if fdsAfter > fds {
		problems = append(problems, "open files grew from "+strconv.Itoa(fds)+" to "+strconv.Itoa(fdsAfter))
	}
	if goroutinesAfter > goroutines {
		buf := make([]byte, 1<<20)
		problems = append(problems, "goroutines grew from "+strconv.Itoa(goroutines)+" to "+strconv.Itoa(goroutinesAfter)+":\n"+string(buf[:runtime.Stack(buf, true)]))
	}
	if after := ipState(t); after != ipBefore {
		problems = append(problems, "ip state changed:\n"+after)
	}
	_ = testnet.Send(report{Err: strings.Join(problems, "\n")})
	testnet.WaitForStop()
}

// settle waits for finished goroutines and closed files to go away, then
// counts them.
func settle() (fds, goroutines int) {
	for range 50 {
		runtime.GC()
		time.Sleep(20 * time.Millisecond)
	}
	entries, _ := os.ReadDir("/proc/self/fd")
	return len(entries), runtime.NumGoroutine()
}

func ipState(t testing.TB) string {
	var b strings.Builder
	for _, args := range [][]string{{"link"}, {"addr"}, {"-4", "route", "show", "table", "all"}, {"-6", "route", "show", "table", "all"}, {"-4", "rule"}, {"-6", "rule"}} {
		out, err := exec.Command("ip", args...).CombinedOutput()
		if err != nil {
			t.Fatal(err)
		}
		b.Write(out)
	}
	return b.String()
}

// peerRx is how many bytes the peer received from the tunnel under test.
func peerRx(t testing.TB, l *lab) uint64 {
	fields := strings.Fields(l.server.Run(t, "wg", "show", l.peer.Interface, "transfer"))
	if len(fields) != 3 {
		t.Fatalf("wg show transfer: %q", fields)
	}
	rx, _ := strconv.ParseUint(fields[1], 10, 64)
	return rx
}

// transferTCP sends mib MiB over TCP from the client to iperf3 on dst.
func transferTCP(t testing.TB, l *lab, dst string, mib int) {
	t.Helper()
	port := strconv.Itoa(5201 + int(time.Now().UnixNano()%500))
	srv := l.server.Start(t, nil, "iperf3", "-s", "-1", "-B", dst, "-p", port)
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := l.client.Exec("iperf3", "-c", dst, "-p", port, "-n", strconv.Itoa(mib)+"M")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("TCP transfer to %s: %v", dst, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = srv.Wait(10 * time.Second)
}

var handshakeAge = regexp.MustCompile(`\d+ seconds? ago`)

func assertSame(t *testing.T, what, before, after string) {
	t.Helper()
	before, after = handshakeAge.ReplaceAllString(before, ""), handshakeAge.ReplaceAllString(after, "")
	if before != after {
		t.Errorf("%s is not as before.\nbefore:\n%s\nafter:\n%s", what, before, after)
	}
}

func assertFile(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s is %q, want it restored to %q", path, got, want)
	}
}
