package main

import (
	"context"
	"encoding/json"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/internal/testbuild"
	"github.com/wgtray/wgtray/internal/testnet"
	"github.com/wgtray/wgtray/platform/firewall"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

// The kill-switch network. The "internet" uses documentation ranges,
// outside every range allow_lan opens; the LAN is 192.168.60.0/24 and
// fd60::/64. The peer's tunnel address doubles as the tunnel's DNS server.
const (
	ksInternet   = "203.0.113.20"
	ksInternet6  = "2001:db8:98::20"
	ksLANHost    = "192.168.60.1"
	ksLANHost6   = "fd60::1"
	ksPeerPublic = "198.51.100.2"
	ksPeerTunnel = "10.200.0.1"
)

// killSwitchNet is a laptop (client) on a LAN whose router also stands for
// the internet, and a WireGuard server (peer) on the internet that routes
// the tunnel's traffic back out to it.
type killSwitchNet struct {
	client, router, peerNS *testnet.Namespace
	peer                   *testnet.Peer
}

func newKillSwitchNet(t *testing.T) *killSwitchNet {
	t.Helper()
	n := &killSwitchNet{client: testnet.NewNamespace(t), router: testnet.NewNamespace(t), peerNS: testnet.NewNamespace(t)}
	testnet.Connect(t, n.client, n.router, "192.168.60.2/24", ksLANHost+"/24", "fd60::2/64", ksLANHost6+"/64")
	testnet.Connect(t, n.router, n.peerNS, "198.51.100.1/24", ksPeerPublic+"/24")
	n.client.Run(t, "ip", "route", "add", "default", "via", ksLANHost)
	n.client.Run(t, "ip", "-6", "route", "add", "default", "via", ksLANHost6)
	n.router.Run(t, "ip", "addr", "add", ksInternet+"/32", "dev", "lo")
	n.router.Run(t, "ip", "addr", "add", ksInternet6+"/128", "dev", "lo")
	n.router.Run(t, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	n.router.Run(t, "ip", "route", "add", "10.200.0.0/24", "via", ksPeerPublic)
	n.peerNS.Run(t, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	n.peerNS.Run(t, "ip", "route", "add", "default", "via", "198.51.100.1")
	n.peer = testnet.StartPeer(t, n.peerNS, testnet.PeerConfig{Addresses: []string{ksPeerTunnel + "/24"}})
	n.router.Serve(t, ksInternet, ksLANHost)
	n.peerNS.Serve(t, ksPeerTunnel)
	// The service sets the tunnel's DNS in the namespace's own resolv.conf.
	n.client.WriteEtc(t, "resolv.conf", "nameserver "+ksLANHost+"\n")
	return n
}

// what the client reaches outside the tunnel (and, for the tunnel's DNS
// server, through it).
type ksReach struct {
	internet, internet6, ping, lan, outsideDNS, lanDNS bool
}

func (n *killSwitchNet) probe(t *testing.T) ksReach {
	t.Helper()
	return ksReach{
		internet:   n.client.TCPReaches(t, ksInternet),
		internet6:  n.client.TCPReaches(t, ksInternet6),
		ping:       n.client.Pings(ksInternet),
		lan:        n.client.TCPReaches(t, ksLANHost),
		outsideDNS: n.client.DNSAnswered(t, ksInternet),
		lanDNS:     n.client.DNSAnswered(t, ksLANHost),
	}
}

func (n *killSwitchNet) expect(t *testing.T, step string, want ksReach) {
	t.Helper()
	if got := n.probe(t); got != want {
		t.Errorf("%s:\n got %+v\nwant %+v", step, got, want)
	}
}

// wgtraydUnderTest is wgtrayd built from this package, running as the
// service inside the client namespace.
type wgtraydUnderTest struct {
	bin, state, socket string
	env                []string
	ns                 *testnet.Namespace
	proc               *testnet.Process
	client             *client.Client
}

func startWgtrayd(t *testing.T, ns *testnet.Namespace) *wgtraydUnderTest {
	t.Helper()
	return startWgtraydWith(t, ns)
}

// startWgtraydWith is startWgtrayd with env added to the service's
// environment.
func startWgtraydWith(t *testing.T, ns *testnet.Namespace, env ...string) *wgtraydUnderTest {
	t.Helper()
	dir := t.TempDir()
	w := &wgtraydUnderTest{bin: testbuild.Binary(t, testbuild.Daemon, "wgtrayd"), state: filepath.Join(dir, "state"), socket: filepath.Join(dir, "wgtray.sock"), ns: ns, env: env}
	w.client = client.New(w.socket, client.FileKeyStore(filepath.Join(dir, "keys")))
	w.restart(t)
	return w
}

// restart starts the service (again) with the same state and waits until
// it answers.
func (w *wgtraydUnderTest) restart(t *testing.T) {
	t.Helper()
	w.proc = w.ns.Start(t, append([]string{"WGTRAY_STATE_DIR=" + w.state, "WGTRAY_SOCKET=" + w.socket}, w.env...), w.bin, "run")
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := w.client.Version(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("wgtrayd does not answer on %s: %v\n%s", w.socket, err, w.proc.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// cli runs `wgtrayd ARGS...` against the service and returns its output.
func (w *wgtraydUnderTest) cli(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(w.bin, args...)
	cmd.Env = append(os.Environ(), "WGTRAY_SOCKET="+w.socket)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("wgtrayd %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (w *wgtraydUnderTest) kill(t *testing.T) {
	t.Helper()
	if err := unix.Kill(w.proc.Pid(), unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := w.proc.Wait(10 * time.Second); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("wgtrayd did not die of SIGKILL: %v", err)
	}
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return c
}

// fullTunnel imports a tunnel that routes all IPv4 traffic (and no IPv6)
// to the peer and uses the peer's DNS server.
func fullTunnel(t *testing.T, n *killSwitchNet, w *wgtraydUnderTest) string {
	t.Helper()
	return fullTunnelTo(t, n, w, ksPeerPublic)
}

// fullTunnelTo is fullTunnel with the peer's endpoint given as host, an
// address or a host name.
func fullTunnelTo(t *testing.T, n *killSwitchNet, w *wgtraydUnderTest, host string) string {
	t.Helper()
	return fullTunnelWithKeepalive(t, n, w, host, 0)
}

// fullTunnelWithKeepalive is fullTunnelTo with PersistentKeepalive set to
// keepalive seconds.
func fullTunnelWithKeepalive(t *testing.T, n *killSwitchNet, w *wgtraydUnderTest, host string, keepalive uint16) string {
	t.Helper()
	key, err := importer.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	cfg := &importer.Config{
		Interface: importer.Interface{
			PrivateKey: key,
			Addresses:  []netip.Prefix{netip.MustParsePrefix("10.200.0.2/32")},
			DNS:        []netip.Addr{netip.MustParseAddr(ksPeerTunnel)},
		},
		Peers: []importer.Peer{{
			PublicKey:           n.peer.PublicKey,
			Endpoint:            importer.Endpoint{Host: host, Port: n.peer.Endpoint(ksPeerPublic).Port},
			AllowedIPs:          []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")},
			PersistentKeepalive: keepalive,
		}},
	}
	n.peer.AddPeer(t, key.Public(), []string{"10.200.0.2/32"})
	name := testnet.UniqueName("ks")
	if _, err := w.client.Import(ctx(t), name, cfg); err != nil {
		t.Fatal(err)
	}
	return name
}

func (w *wgtraydUnderTest) up(t *testing.T, name string) string {
	t.Helper()
	tun, err := w.client.Up(ctx(t), name)
	if err != nil {
		t.Fatalf("up %s: %v\n%s", name, err, w.proc.Output())
	}
	if tun.State != api.StateUp {
		t.Fatalf("up %s: state %s", name, tun.State)
	}
	return w.iface(t, name)
}

func (w *wgtraydUnderTest) iface(t *testing.T, name string) string {
	t.Helper()
	st, err := w.client.Status(ctx(t), name)
	if err != nil || len(st.Tunnels) != 1 || st.Tunnels[0].Interface == nil || st.Tunnels[0].Interface.Name == "" {
		t.Fatalf("status %s: %+v, %v", name, st, err)
	}
	return st.Tunnels[0].Interface.Name
}

// handshake waits for a handshake with the peer, sending traffic into the
// tunnel until there is one.
func (w *wgtraydUnderTest) handshake(t *testing.T, n *killSwitchNet, name string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		n.client.Pings(ksPeerTunnel)
		st, err := w.client.Status(ctx(t), name)
		if err == nil && len(st.Tunnels) == 1 && len(st.Tunnels[0].Peers) == 1 && st.Tunnels[0].Peers[0].LatestHandshake != nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no handshake with the peer: %+v, %v\n%s", st, err, w.proc.Output())
		}
	}
}

// breakRouting takes the addresses off the tunnel's interface and the link
// down, the way users test a kill switch: the tunnel's routes go with
// them and traffic falls back to the LAN's default route.
func (n *killSwitchNet) breakRouting(t *testing.T, iface string) {
	t.Helper()
	n.client.Run(t, "ip", "addr", "flush", "dev", iface)
	n.client.Run(t, "ip", "link", "set", iface, "down")
}

// wgtrayRules is the kill switch's table in the client namespace, "" if
// there is none.
func (n *killSwitchNet) wgtrayRules(t *testing.T) string {
	t.Helper()
	out, err := n.client.Exec("nft", "list", "table", "inet", firewall.FirewallTable)
	if err != nil {
		return ""
	}
	return out
}

func TestKillSwitchEndToEnd(t *testing.T) {
	testnet.RequireRoot(t)
	n := newKillSwitchNet(t)
	w := startWgtrayd(t, n.client)
	name := fullTunnel(t, n, w)
	leaking := ksReach{internet: true, internet6: true, ping: true, lan: true, outsideDNS: true, lanDNS: true}
	throughTunnelOnly := ksReach{internet: true, ping: true}

	// Off: breaking the tunnel's routing leaks, so the test can see one.
	iface := w.up(t, name)
	w.handshake(t, n, name)
	if out := w.cli(t, "killswitch"); !strings.Contains(out, "kill switch: off") {
		t.Errorf("wgtrayd killswitch prints %q, want the default off", out)
	}
	n.expect(t, "off, tunnel up", leaking)
	n.breakRouting(t, iface)
	n.expect(t, "off, tunnel routing broken", leaking)
	if _, err := w.client.Down(ctx(t), name); err != nil {
		t.Fatal(err)
	}

	// Auto with the tunnel up.
	if out := w.cli(t, "killswitch", "auto"); !strings.Contains(out, "kill switch: auto") {
		t.Errorf("wgtrayd killswitch auto prints %q", out)
	}
	iface = w.up(t, name)
	w.handshake(t, n, name)
	if !n.client.DNSAnswered(t, ksPeerTunnel) {
		t.Error("auto: the tunnel's DNS server gets no answer")
	}
	if !n.client.TCPReaches(t, ksPeerTunnel) {
		t.Error("auto: no TCP through the tunnel")
	}
	n.expect(t, "auto, tunnel up (IPv4 through the tunnel)", throughTunnelOnly)
	if out := w.cli(t, "killswitch"); !strings.Contains(out, "blocking:    yes") {
		t.Errorf("wgtrayd killswitch prints %q, want blocking", out)
	}
	n.breakRouting(t, iface)
	n.expect(t, "auto, tunnel routing broken", ksReach{})

	// The service dies with the tunnel up: the rules stay.
	if _, err := w.client.Down(ctx(t), name); err != nil {
		t.Fatal(err)
	}
	w.up(t, name)
	w.handshake(t, n, name)
	w.kill(t)
	n.expect(t, "auto, service killed", ksReach{})
	if n.wgtrayRules(t) == "" {
		t.Fatal("the rules died with the service")
	}

	// It comes back, keeps blocking while the tunnel waits for its keys,
	// and the tunnel works again once the client sends them.
	w.restart(t)
	n.expect(t, "auto, service restarted, tunnel waiting for its keys", ksReach{})
	if restored, err := w.client.Restore(ctx(t)); err != nil || len(restored) != 1 {
		t.Fatalf("restore: %v, %v\n%s", restored, err, w.proc.Output())
	}
	w.handshake(t, n, name)
	n.expect(t, "auto, tunnel restored", throughTunnelOnly)

	// Auto with no tunnel up blocks nothing.
	if _, err := w.client.Down(ctx(t), name); err != nil {
		t.Fatal(err)
	}
	n.expect(t, "auto, tunnel down", leaking)
	if rules := n.wgtrayRules(t); rules != "" {
		t.Errorf("auto with no tunnel up left rules:\n%s", rules)
	}

	// Always: blocked with no tunnel; allow_lan opens the LAN and no more.
	w.cli(t, "killswitch", "always")
	n.expect(t, "always, no tunnel", ksReach{})
	w.up(t, name)
	w.handshake(t, n, name)
	n.expect(t, "always, tunnel up", throughTunnelOnly)
	if _, err := w.client.Down(ctx(t), name); err != nil {
		t.Fatal(err)
	}
	n.expect(t, "always, tunnel down again", ksReach{})
	if out := w.cli(t, "killswitch", "--allow-lan=true"); !strings.Contains(out, "kill switch: always") || !strings.Contains(out, "allow LAN:   yes") {
		t.Errorf("wgtrayd killswitch --allow-lan=true prints %q", out)
	}
	n.expect(t, "always with allow_lan, no tunnel", ksReach{lan: true})
	if !n.client.TCPReaches(t, ksLANHost6) {
		t.Error("always with allow_lan: the LAN host over IPv6 is blocked")
	}

	// A reboot: the early boot unit puts the same rules in place before the
	// network (here: a fresh namespace) comes up, without the service.
	boot := testnet.NewNamespace(t)
	if out := boot.Run(t, "env", "WGTRAY_STATE_DIR="+w.state, w.bin, "killswitch", "--boot"); !strings.Contains(out, "blocking (always, allow LAN: yes)") {
		t.Errorf("wgtrayd killswitch --boot prints %q", out)
	}
	if got, want := boot.Run(t, "nft", "list", "table", "inet", firewall.FirewallTable), n.wgtrayRules(t); got != want {
		t.Errorf("rules after boot:\n%s\nwant those from before:\n%s", got, want)
	}

	// Off restores everything and leaves no rules.
	w.cli(t, "killswitch", "off", "--allow-lan=false")
	n.expect(t, "off again", leaking)
	if rules := n.wgtrayRules(t); rules != "" {
		t.Errorf("off left rules:\n%s", rules)
	}
	if rs := n.client.Run(t, "nft", "list", "ruleset"); strings.Contains(rs, firewall.FirewallTable) {
		t.Errorf("off left rules:\n%s", rs)
	}
	var ks api.KillSwitch
	if err := json.Unmarshal([]byte(w.cli(t, "killswitch", "--json")), &ks); err != nil || ks != (api.KillSwitch{Mode: api.KillSwitchOff, SetByAdmin: true, Changeable: true}) {
		t.Errorf("wgtrayd killswitch --json: %+v, %v", ks, err)
	}
}

// hostResolver answers the client's look-ups from outside the tunnel.
const hostResolver = "203.0.113.53"

// hostNameTunnel is a running service with a full tunnel whose endpoint is
// a host name that hostResolver resolves to the peer.
func hostNameTunnel(t *testing.T) (*killSwitchNet, *wgtraydUnderTest, string) {
	t.Helper()
	return hostNameTunnelWithKeepalive(t, 0)
}

func hostNameTunnelWithKeepalive(t *testing.T, keepalive uint16) (*killSwitchNet, *wgtraydUnderTest, string) {
	t.Helper()
	testnet.RequireRoot(t)
	n := newKillSwitchNet(t)
	n.router.Run(t, "ip", "addr", "add", hostResolver+"/32", "dev", "lo")
	n.router.ServeDNS(t, hostResolver, netip.MustParseAddr(ksPeerPublic))
	n.client.WriteEtc(t, "resolv.conf", "nameserver "+hostResolver+"\n")
	w := startWgtrayd(t, n.client)
	return n, w, fullTunnelWithKeepalive(t, n, w, "vpn.wgtray.test", keepalive)
}

// TestKillSwitchLetsTheServiceResolveAHostNameEndpoint: with the kill
// switch blocking, a tunnel whose endpoint is a host name still comes up
// (the service's own look-up gets through to the resolver outside the
// tunnel), while other programs' queries to that resolver stay blocked.
func TestKillSwitchLetsTheServiceResolveAHostNameEndpoint(t *testing.T) {
	n, w, name := hostNameTunnel(t)

	w.cli(t, "killswitch", "always")
	if n.client.DNSAnswered(t, hostResolver) {
		t.Fatal("always: a program's DNS query reaches the resolver outside the tunnel")
	}
	w.up(t, name)
	w.handshake(t, n, name)
	if n.client.DNSAnswered(t, hostResolver) {
		t.Error("always, tunnel up: a program's DNS query reaches the resolver outside the tunnel")
	}
	if !n.client.TCPReaches(t, ksInternet) {
		t.Error("always, tunnel up: no TCP to the internet through the tunnel")
	}
	if _, err := w.client.Down(ctx(t), name); err != nil {
		t.Fatal(err)
	}
	w.cli(t, "killswitch", "off")
}

// TestKillSwitchLetsTheFirstHandshakeOfAHostNameEndpointThrough: with the
// kill switch blocking, the tunnel's first initiation to an endpoint known
// only once its name is resolved gets through: the handshake completes
// within 1 s of the up request, and the log shows no send refused by the
// firewall (a refused first initiation is retried only 5 s later). With a
// persistent keepalive the device sends its first initiation on its own as
// soon as the interface is up, which must not outrun the kill switch.
func TestKillSwitchLetsTheFirstHandshakeOfAHostNameEndpointThrough(t *testing.T) {
	for _, tc := range []struct {
		name      string
		keepalive uint16
	}{
		{"no keepalive", 0},
		{"persistent keepalive", 25},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, w, name := hostNameTunnelWithKeepalive(t, tc.keepalive)
			w.cli(t, "killswitch", "always")
			defer w.cli(t, "killswitch", "off")

			up := time.Now()
			w.up(t, name)
			for {
				st, err := w.client.Status(ctx(t), name)
				if err == nil && len(st.Tunnels) == 1 && len(st.Tunnels[0].Peers) == 1 && st.Tunnels[0].Peers[0].LatestHandshake != nil {
					t.Logf("handshake %v after the up request", time.Since(up))
					break
				}
				if time.Since(up) > time.Second {
					t.Fatalf("no handshake within 1 s of the up request: %+v, %v\n%s", st, err, w.proc.Output())
				}
				time.Sleep(20 * time.Millisecond)
			}
			if out := w.proc.Output(); strings.Contains(out, "operation not permitted") {
				t.Errorf("the firewall refused a packet of the tunnel's socket:\n%s", out)
			}
		})
	}
}
