package firewall

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wgtray/wgtray/internal/testnet"

	"github.com/wgtray/wgtray/service/api"
)

// The addresses of the namespace tests. The "internet" and its resolver are
// documentation ranges, outside every range allow_lan opens.
const (
	internetHost  = "203.0.113.10"
	internetHost6 = "2001:db8:99::10"
	lanHost       = "192.168.50.1"
	lanHost6      = "fd50::1"
	tunnelHost    = "10.77.0.1" // the far end of the stand-in tunnel, also its DNS server
)

// namespaceFirewall is the kill switch of ns; it holds the namespace open
// until the test ends.
func namespaceFirewall(t testing.TB, ns *testnet.Namespace) *Firewall {
	t.Helper()
	fd, err := unix.Open("/run/netns/"+ns.Name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return &Firewall{sys: firewallSys{netns: fd}}
}

// nftRuleset is `nft list ruleset` in ns.
func nftRuleset(t testing.TB, ns *testnet.Namespace) string {
	t.Helper()
	return ns.Run(t, "nft", "list", "ruleset")
}

// standInNetwork is a client namespace with two links to a second
// namespace: a physical one (the LAN, the way to the internet host) and
// one that stands for the tunnel, preferred by the default routes. The
// second namespace holds the internet host's addresses and runs serve.
type standInNetwork struct {
	client, far *testnet.Namespace
	tunnel      string // the client's end of the tunnel link
	farLAN      string // the far end of the physical link
}

func newStandInNetwork(t *testing.T) standInNetwork {
	t.Helper()
	client, far := testnet.NewNamespace(t), testnet.NewNamespace(t)
	_, farLAN := testnet.Connect(t, client, far, "192.168.50.2/24", lanHost+"/24", "fd50::2/64", lanHost6+"/64")
	tun, _ := testnet.Connect(t, client, far, "10.77.0.2/24", tunnelHost+"/24", "fd77::2/64", "fd77::1/64")
	far.Run(t, "ip", "addr", "add", internetHost+"/32", "dev", "lo")
	far.Run(t, "ip", "addr", "add", internetHost6+"/128", "dev", "lo")
	client.Run(t, "ip", "route", "add", "default", "via", lanHost, "metric", "100")
	client.Run(t, "ip", "-6", "route", "add", "default", "via", lanHost6, "metric", "100")
	n := standInNetwork{client: client, far: far, tunnel: tun, farLAN: farLAN}
	n.routeThroughTunnel(t)
	far.Serve(t, internetHost, lanHost, tunnelHost)
	return n
}

func (n standInNetwork) routeThroughTunnel(t *testing.T) {
	t.Helper()
	n.client.Run(t, "ip", "route", "replace", "default", "via", tunnelHost, "dev", n.tunnel, "metric", "10")
	n.client.Run(t, "ip", "-6", "route", "replace", "default", "via", "fd77::1", "dev", n.tunnel, "metric", "10")
}

// breakTunnelRouting removes the addresses from the tunnel's interface, the
// way users test a kill switch, and the routes that IPv6 keeps without
// them, so the traffic falls back to the physical link.
func (n standInNetwork) breakTunnelRouting(t *testing.T) {
	t.Helper()
	n.client.Run(t, "ip", "addr", "flush", "dev", n.tunnel)
	n.client.Run(t, "ip", "-6", "route", "flush", "dev", n.tunnel)
}

func (n standInNetwork) restoreTunnelRouting(t *testing.T) {
	t.Helper()
	n.client.Run(t, "ip", "addr", "add", "10.77.0.2/24", "dev", n.tunnel)
	n.client.Run(t, "ip", "addr", "add", "fd77::2/64", "dev", n.tunnel, "nodad")
	n.routeThroughTunnel(t)
}

func (n standInNetwork) policy(mode api.KillSwitchMode, allowLAN bool) FirewallPolicy {
	return FirewallPolicy{Mode: mode, AllowLAN: allowLAN, Tunnels: []FirewallTunnel{{
		Interface:    n.tunnel,
		DNS:          []netip.Addr{netip.MustParseAddr(tunnelHost)},
		DefaultRoute: true,
	}}}
}

type reachability struct {
	internet, internet6, ping, lan, lan6, outsideDNS, lanDNS bool
}

func (n standInNetwork) probe(t *testing.T) reachability {
	t.Helper()
	return reachability{
		internet:   n.client.TCPReaches(t, internetHost),
		internet6:  n.client.TCPReaches(t, internetHost6),
		ping:       n.client.Pings(internetHost),
		lan:        n.client.TCPReaches(t, lanHost),
		lan6:       n.client.TCPReaches(t, lanHost6),
		outsideDNS: n.client.DNSAnswered(t, internetHost),
		lanDNS:     n.client.DNSAnswered(t, lanHost),
	}
}

func expectReach(t *testing.T, step string, got, want reachability) {
	t.Helper()
	if got != want {
		t.Errorf("%s:\n got %+v\nwant %+v", step, got, want)
	}
}

func TestKillSwitchBlocksEverythingOutsideTheTunnelInANamespace(t *testing.T) {
	testnet.RequireRoot(t)
	n := newStandInNetwork(t)
	fw := namespaceFirewall(t, n.client)
	everything := reachability{true, true, true, true, true, true, true}

	if err := fw.Apply(n.policy(api.KillSwitchOff, false)); err != nil {
		t.Fatal(err)
	}
	expectReach(t, "off, tunnel routing", n.probe(t), everything)
	n.breakTunnelRouting(t)
	expectReach(t, "off, tunnel routing broken: the leak the kill switch stops", n.probe(t), everything)
	n.restoreTunnelRouting(t)

	if err := fw.Apply(n.policy(api.KillSwitchAuto, false)); err != nil {
		t.Fatal(err)
	}
	if !n.client.DNSAnswered(t, tunnelHost) {
		t.Error("auto: the tunnel's own DNS server gets no answer")
	}
	expectReach(t, "auto, through the tunnel", n.probe(t), reachability{internet: true, internet6: true, ping: true})
	n.breakTunnelRouting(t)
	expectReach(t, "auto, tunnel routing broken", n.probe(t), reachability{})

	if err := fw.Apply(n.policy(api.KillSwitchAuto, true)); err != nil {
		t.Fatal(err)
	}
	expectReach(t, "auto with allow_lan, tunnel routing broken", n.probe(t), reachability{lan: true, lan6: true})

	if err := fw.Apply(FirewallPolicy{Mode: api.KillSwitchAlways}); err != nil {
		t.Fatal(err)
	}
	expectReach(t, "always, no tunnel", n.probe(t), reachability{})
	if err := fw.Apply(FirewallPolicy{Mode: api.KillSwitchAlways, AllowLAN: true}); err != nil {
		t.Fatal(err)
	}
	expectReach(t, "always with allow_lan, no tunnel", n.probe(t), reachability{lan: true, lan6: true})

	if err := fw.Apply(FirewallPolicy{Mode: api.KillSwitchOff}); err != nil {
		t.Fatal(err)
	}
	expectReach(t, "off again", n.probe(t), everything)
	if rs := nftRuleset(t, n.client); strings.Contains(rs, FirewallTable) {
		t.Errorf("off leaves rules behind:\n%s", rs)
	}
	if active, err := fw.Active(); err != nil || active {
		t.Errorf("Active() = %v, %v after off", active, err)
	}
}

// dnsOnTheLAN sends a query to the tunnel's DNS server over UDP 53, TCP 53
// and TCP 853 and returns how many of those packets arrived over the
// physical link, counted at its far end.
func (n standInNetwork) dnsOnTheLAN(t *testing.T) int {
	t.Helper()
	n.far.Run(t, "nft", "add table inet dnsleak; flush table inet dnsleak; add chain inet dnsleak in { type filter hook prerouting priority -300; }; add rule inet dnsleak in iifname "+n.farLAN+" ip daddr "+tunnelHost+" meta l4proto { tcp, udp } th dport { 53, 853 } counter")
	n.client.DNSAnswered(t, tunnelHost)
	for _, port := range []string{"53", "853"} {
		n.client.Do(t, func() error {
			c, err := net.DialTimeout("tcp", net.JoinHostPort(tunnelHost, port), time.Second)
			if err == nil {
				c.Close()
			}
			return err
		})
	}
	out := n.far.Run(t, "nft", "list", "table", "inet", "dnsleak")
	var packets int
	for _, f := range strings.Fields(out[strings.Index(out, "counter"):]) {
		if _, err := fmt.Sscan(f, &packets); err == nil {
			return packets
		}
	}
	t.Fatalf("no packet count in:\n%s", out)
	return 0
}

// TestKillSwitchKeepsTheTunnelsResolverOffTheLANWithAllowLAN: a rogue DHCP
// server pushes a route (option 121) for the tunnel's DNS server via the
// LAN router; with allow_lan on, no query may leave by the physical link.
func TestKillSwitchKeepsTheTunnelsResolverOffTheLANWithAllowLAN(t *testing.T) {
	testnet.RequireRoot(t)
	n := newStandInNetwork(t)
	fw := namespaceFirewall(t, n.client)
	n.client.Run(t, "ip", "route", "add", tunnelHost+"/32", "via", lanHost)
	p := n.policy(api.KillSwitchOff, true)
	p.Tunnels[0].AllowedIPs = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}

	if err := fw.Apply(p); err != nil {
		t.Fatal(err)
	}
	if got := n.dnsOnTheLAN(t); got == 0 {
		t.Fatal("with the kill switch off, no query to the tunnel's resolver reaches the LAN: the test cannot see a leak")
	}
	for _, mode := range []api.KillSwitchMode{api.KillSwitchAuto, api.KillSwitchAlways} {
		p.Mode = mode
		if err := fw.Apply(p); err != nil {
			t.Fatal(err)
		}
		if got := n.dnsOnTheLAN(t); got != 0 {
			t.Errorf("%s with allow_lan: %d DNS packets to the tunnel's resolver left by the physical link", mode, got)
		}
	}
}

func TestKillSwitchLetsOnlyTheServiceReachTheEndpoint(t *testing.T) {
	testnet.RequireRoot(t)
	n := newStandInNetwork(t)
	fw := namespaceFirewall(t, n.client)
	endpoint := net.JoinHostPort(internetHost, "51999")
	n.far.ServeUDPEcho(t, endpoint)
	n.breakTunnelRouting(t) // the encrypted UDP leaves by the physical link
	const root, nobody = 0, 65534
	if !n.client.UDPEchoed(t, endpoint, nobody) {
		t.Fatal("without the kill switch, another user's UDP to the endpoint does not get through: the test cannot see a leak")
	}

	p := n.policy(api.KillSwitchAuto, false)
	p.Tunnels[0].Endpoints = []netip.AddrPort{netip.MustParseAddrPort(endpoint)}
	if err := fw.Apply(p); err != nil {
		t.Fatal(err)
	}
	if !n.client.UDPEchoed(t, endpoint, root) {
		t.Error("the service (root) cannot reach its endpoint")
	}
	if n.client.UDPEchoed(t, endpoint, nobody) {
		t.Error("another user's program reaches the endpoint around the tunnel")
	}
}

func TestKillSwitchFailsFastWithAnErrorInsteadOfATimeout(t *testing.T) {
	testnet.RequireRoot(t)
	n := newStandInNetwork(t)
	fw := namespaceFirewall(t, n.client)
	n.breakTunnelRouting(t)
	if err := fw.Apply(n.policy(api.KillSwitchAuto, false)); err != nil {
		t.Fatal(err)
	}
	err := n.client.Do(t, func() error {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(internetHost, testnet.ServicePort), 10*time.Second)
		if err == nil {
			c.Close()
		}
		return err
	})
	if !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("connecting outside the tunnel: %v, want connection refused at once", err)
	}
}

func TestKillSwitchReplacesOnlyItsOwnTable(t *testing.T) {
	testnet.RequireRoot(t)
	ns := testnet.NewNamespace(t)
	ns.Run(t, "nft", "add", "table", "inet", "other")
	ns.Run(t, "nft", "add", "chain", "inet", "other", "out", "{ type filter hook output priority 10; policy accept; }")
	ns.Run(t, "nft", "add", "rule", "inet", "other", "out", "tcp", "dport", "9999", "counter", "accept")
	ns.Run(t, "nft", "add", "table", "ip", FirewallTable) // same name, another family
	before := nftRuleset(t, ns)
	fw := namespaceFirewall(t, ns)

	for _, p := range []FirewallPolicy{
		{Mode: api.KillSwitchAlways},
		{Mode: api.KillSwitchAlways, AllowLAN: true},
		{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{{Interface: "wgtx0", DefaultRoute: true, FwMark: 0x1234,
			Endpoints: []netip.AddrPort{netip.MustParseAddrPort("[2001:db8::1]:51820")}}}},
	} {
		if err := fw.Apply(p); err != nil {
			t.Fatalf("apply %+v: %v", p, err)
		}
		rs := nftRuleset(t, ns)
		if !strings.Contains(rs, "table inet other") || !strings.Contains(rs, "tcp dport 9999 counter") {
			t.Fatalf("another table changed:\n%s", rs)
		}
		if got := strings.Count(rs, "table inet "+FirewallTable+" {"); got != 1 {
			t.Fatalf("%d kill-switch tables, want exactly 1:\n%s", got, rs)
		}
		if strings.Contains(rs, "wgtx0") != (len(p.Tunnels) > 0) || strings.Contains(rs, "ip daddr 10.0.0.0/8 accept") != p.AllowLAN {
			t.Errorf("the table does not match the policy %+v:\n%s", p, rs)
		}
	}
	if err := fw.Apply(FirewallPolicy{Mode: api.KillSwitchOff}); err != nil {
		t.Fatal(err)
	}
	if after := nftRuleset(t, ns); after != before {
		t.Errorf("off did not restore the ruleset.\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if err := fw.Apply(FirewallPolicy{Mode: api.KillSwitchOff}); err != nil {
		t.Errorf("off twice: %v", err)
	}
}

func TestKillSwitchRulesOutliveTheProcessThatWroteThem(t *testing.T) {
	if testnet.Role() == "writer" {
		if err := (&Firewall{}).Apply(FirewallPolicy{Mode: api.KillSwitchAlways}); err != nil {
			t.Fatal(err)
		}
		testnet.Send(true)
		time.Sleep(time.Minute) // killed with SIGKILL long before
		return
	}
	testnet.RequireRoot(t)
	ns := testnet.NewNamespace(t)
	child := ns.StartTest(t, "writer", nil)
	var ok bool
	child.Receive(t, &ok)
	if err := unix.Kill(child.Pid(), unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := child.Process.Wait(5 * time.Second); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the writer did not die of SIGKILL: %v", err)
	}
	if rs := nftRuleset(t, ns); !strings.Contains(rs, "table inet "+FirewallTable) {
		t.Errorf("the rules died with the process:\n%s", rs)
	}
}

func TestBootRestoresTheLastAppliedPolicy(t *testing.T) {
	testnet.RequireRoot(t)
	saved := filepath.Join(t.TempDir(), "firewall.json")
	before, boot := testnet.NewNamespace(t), testnet.NewNamespace(t)
	fw := namespaceFirewall(t, before)
	fw.saved = saved
	policy := FirewallPolicy{Mode: api.KillSwitchAuto, AllowLAN: true, Tunnels: []FirewallTunnel{{
		Interface: "wgtboot0", DefaultRoute: true, FwMark: 0x77,
		Endpoints: []netip.AddrPort{netip.MustParseAddrPort("198.51.100.1:51820")},
		DNS:       []netip.Addr{netip.MustParseAddr("10.64.0.1")},
	}}}
	if err := fw.Apply(policy); err != nil {
		t.Fatal(err)
	}
	want := nftRuleset(t, before)

	restorer := namespaceFirewall(t, boot)
	restorer.saved = saved
	if got, err := restorer.Restore(); err != nil || !reflect.DeepEqual(got, policy) {
		t.Fatalf("Restore() = %+v, %v; want %+v", got, err, policy)
	}
	if got := nftRuleset(t, boot); got != want {
		t.Errorf("after boot:\n%s\nwant the rules from before:\n%s", got, want)
	}

	if err := os.WriteFile(saved, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := restorer.Restore(); err == nil || got.Mode != api.KillSwitchAlways || got.AllowLAN {
		t.Errorf("Restore() of a corrupt file = %+v, %v; want lockdown and an error", got, err)
	}
	if active, err := restorer.Active(); err != nil || !active {
		t.Errorf("a corrupt saved policy left the kill switch inactive (%v)", err)
	}

	if err := os.Remove(saved); err != nil {
		t.Fatal(err)
	}
	if err := restorer.Apply(FirewallPolicy{Mode: api.KillSwitchOff}); err != nil {
		t.Fatal(err)
	}
	if got, err := (&Firewall{saved: filepath.Join(t.TempDir(), "none.json"), sys: restorer.sys}).Restore(); err != nil || got.Blocking() {
		t.Errorf("Restore() with nothing saved = %+v, %v", got, err)
	}
	if active, _ := restorer.Active(); active {
		t.Error("Restore() with nothing saved wrote rules")
	}
}

// TestApplyWritesAPolicyThatBlocksNothingOnlyWhenItsSettingsChange: while
// nothing blocks, tunnels coming up and going down (every up of every
// tunnel) cost no write and no fsync on the way to the first handshake;
// a change of the settings or a policy that blocks is written, and boot
// restores it.
func TestApplyWritesAPolicyThatBlocksNothingOnlyWhenItsSettingsChange(t *testing.T) {
	testnet.RequireRoot(t)
	ns := testnet.NewNamespace(t)
	fw := namespaceFirewall(t, ns)
	fw.saved = filepath.Join(t.TempDir(), "firewall.json")
	split := FirewallTunnel{Interface: "wgtsplit0", AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.64.0.0/16")}}
	full := FirewallTunnel{Interface: "wgtfull0", DefaultRoute: true, FwMark: 0x77, Endpoints: []netip.AddrPort{netip.MustParseAddrPort("198.51.100.1:51820")}}
	steps := []struct {
		policy FirewallPolicy
		write  bool
	}{
		{FirewallPolicy{Mode: api.KillSwitchOff}, true},
		{FirewallPolicy{Mode: api.KillSwitchOff, Tunnels: []FirewallTunnel{split}}, false},
		{FirewallPolicy{Mode: api.KillSwitchOff, Tunnels: []FirewallTunnel{split, full}}, false},
		{FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{split}}, true},
		{FirewallPolicy{Mode: api.KillSwitchAuto}, false},
		{FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{full}}, true},
		{FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{full}}, false},
		{FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{split}}, true},
		{FirewallPolicy{Mode: api.KillSwitchOff, AllowLAN: true}, true},
	}
	var before os.FileInfo
	for i, step := range steps {
		if err := fw.Apply(step.policy); err != nil {
			t.Fatal(err)
		}
		after, err := os.Stat(fw.saved)
		if err != nil {
			t.Fatal(err)
		}
		// Every write replaces the file (a new inode).
		if wrote := before == nil || !os.SameFile(before, after); wrote != step.write {
			t.Errorf("step %d, %+v: wrote %v, want %v", i, step.policy, wrote, step.write)
		}
		before = after
		restorer := &Firewall{saved: fw.saved, sys: fw.sys}
		got, err := restorer.Restore()
		if err != nil || got.Mode != step.policy.Mode || got.AllowLAN != step.policy.AllowLAN || got.Blocking() != step.policy.Blocking() {
			t.Errorf("step %d: boot restores %+v, %v; want the settings and blocking of %+v", i, got, err, step.policy)
		}
	}
}

// TestKillSwitchCutsForwardedConnectionsOpenedBeforeIt: a container's
// connection through this machine that was open before blocking began
// carries nothing more, while a new one is refused too.
func TestKillSwitchCutsForwardedConnectionsOpenedBeforeIt(t *testing.T) {
	testnet.RequireRoot(t)
	container, host, internet := testnet.NewNamespace(t), testnet.NewNamespace(t), testnet.NewNamespace(t)
	testnet.Connect(t, container, host, "10.88.0.2/24", "10.88.0.1/24")
	testnet.Connect(t, host, internet, "198.51.100.1/24", "198.51.100.10/24")
	container.Run(t, "ip", "route", "add", "default", "via", "10.88.0.1")
	internet.Run(t, "ip", "route", "add", "10.88.0.0/24", "via", "198.51.100.1")
	host.Run(t, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	// NAT as container runtimes set it up: connection tracking follows the
	// connection from its first packet.
	host.Run(t, "nft", "add table ip nat; add chain ip nat post { type nat hook postrouting priority 100; }; add rule ip nat post ip saddr 10.88.0.0/24 masquerade")

	var ln net.Listener
	if err := internet.Do(t, func() (err error) { ln, err = net.Listen("tcp", "198.51.100.10:7000"); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var c net.Conn
	if err := container.Do(t, func() (err error) { c, err = net.DialTimeout("tcp", "198.51.100.10:7000", 5*time.Second); return err }); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	ln.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
	s, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	arrives := func() bool {
		if _, err := c.Write([]byte("x")); err != nil {
			return false
		}
		s.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err := s.Read(make([]byte, 16))
		return err == nil
	}
	if !arrives() {
		t.Fatal("nothing arrives before the kill switch")
	}
	if err := namespaceFirewall(t, host).Apply(FirewallPolicy{Mode: api.KillSwitchAlways}); err != nil {
		t.Fatal(err)
	}
	if arrives() {
		t.Error("the connection opened before blocking still carries data")
	}
	if container.TCPReaches(t, "198.51.100.10") {
		t.Error("a new connection gets through")
	}
}
