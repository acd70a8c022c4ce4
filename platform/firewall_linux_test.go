package platform

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wgtray/wgtray/internal/testnet"
)

// The addresses of the namespace tests. The "internet" and its resolver are
// documentation ranges, outside every range allow_lan opens.
const (
	internetHost  = "203.0.113.10"
	internetHost6 = "2001:db8:99::10"
	lanHost       = "192.168.50.1"
	lanHost6      = "fd50::1"
	tunnelHost    = "10.77.0.1" // the far end of the stand-in tunnel, also its DNS server
	servicePort   = "8080"
)

// inNamespace runs f on an OS thread that has entered ns. The thread is
// not reused afterwards: returning from a locked goroutine ends it. Sockets
// keep the namespace they were created in, so a listener made here may be
// served from anywhere.
func inNamespace(t testing.TB, ns *testnet.Namespace, f func() error) error {
	t.Helper()
	fd, err := unix.Open("/run/netns/"+ns.Name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			done <- err
			return
		}
		done <- f()
	}()
	return <-done
}

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

// serve runs, in ns, a TCP listener on servicePort on all addresses and a
// DNS responder that answers every query on port 53 (UDP) of each of
// resolvers (bound to each, so that answers come from the address asked).
func serve(t testing.TB, ns *testnet.Namespace, resolvers ...string) {
	t.Helper()
	var ln net.Listener
	var pcs []net.PacketConn
	err := inNamespace(t, ns, func() error {
		var err error
		if ln, err = net.Listen("tcp", ":"+servicePort); err != nil {
			return err
		}
		for _, r := range resolvers {
			pc, err := net.ListenPacket("udp", net.JoinHostPort(r, "53"))
			if err != nil {
				return err
			}
			pcs = append(pcs, pc)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ln.Close()
		for _, pc := range pcs {
			pc.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hello\n"))
			c.Close()
		}
	}()
	for _, pc := range pcs {
		go func() {
			buf := make([]byte, 512)
			for {
				n, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				if n >= 12 {
					pc.WriteTo(dnsAnswer(buf[:n]), from)
				}
			}
		}()
	}
}

// dnsQuery is a query for example.com, type A.
func dnsQuery(id uint16) []byte {
	q := binary.BigEndian.AppendUint16(nil, id)
	q = append(q, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0) // RD; one question
	q = append(q, "\x07example\x03com\x00"...)
	return append(q, 0, 1, 0, 1)
}

// dnsAnswer answers a query with 192.0.2.1.
func dnsAnswer(query []byte) []byte {
	a := append([]byte(nil), query...)
	a[2], a[3] = 0x81, 0x80 // response, RD, RA
	a[6], a[7] = 0, 1       // one answer
	return append(a, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1)
}

const probeTimeout = 2 * time.Second

// tcpReaches reports whether a TCP connection from ns to host reaches the
// listener of serve.
func tcpReaches(t testing.TB, ns *testnet.Namespace, host string) bool {
	t.Helper()
	err := inNamespace(t, ns, func() error {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, servicePort), probeTimeout)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(probeTimeout))
		line := make([]byte, 6)
		if _, err := c.Read(line); err != nil {
			return err
		}
		if string(line) != "hello\n" {
			return errors.New("unexpected greeting")
		}
		return nil
	})
	return err == nil
}

// dnsAnswered reports whether a DNS query over UDP from ns to server gets
// an answer.
func dnsAnswered(t testing.TB, ns *testnet.Namespace, server string) bool {
	t.Helper()
	err := inNamespace(t, ns, func() error {
		c, err := net.Dial("udp", net.JoinHostPort(server, "53"))
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(probeTimeout))
		query := dnsQuery(0x5a17)
		if _, err := c.Write(query); err != nil {
			return err
		}
		buf := make([]byte, 512)
		n, err := c.Read(buf)
		if err != nil {
			return err
		}
		if n < 12 || !bytes.Equal(buf[:2], query[:2]) || buf[7] != 1 {
			return errors.New("not an answer to the query")
		}
		return nil
	})
	return err == nil
}

// pings reports whether one ICMP echo from ns to host is answered.
func pings(t testing.TB, ns *testnet.Namespace, host string) bool {
	t.Helper()
	_, err := ns.Exec("ping", "-n", "-c1", "-W2", host)
	return err == nil
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
}

func newStandInNetwork(t *testing.T) standInNetwork {
	t.Helper()
	client, far := testnet.NewNamespace(t), testnet.NewNamespace(t)
	testnet.Connect(t, client, far, "192.168.50.2/24", lanHost+"/24", "fd50::2/64", lanHost6+"/64")
	tun, _ := testnet.Connect(t, client, far, "10.77.0.2/24", tunnelHost+"/24", "fd77::2/64", "fd77::1/64")
	far.Run(t, "ip", "addr", "add", internetHost+"/32", "dev", "lo")
	far.Run(t, "ip", "addr", "add", internetHost6+"/128", "dev", "lo")
	client.Run(t, "ip", "route", "add", "default", "via", lanHost, "metric", "100")
	client.Run(t, "ip", "-6", "route", "add", "default", "via", lanHost6, "metric", "100")
	n := standInNetwork{client: client, far: far, tunnel: tun}
	n.routeThroughTunnel(t)
	serve(t, far, internetHost, lanHost, tunnelHost)
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

func (n standInNetwork) policy(mode KillSwitchMode, allowLAN bool) FirewallPolicy {
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
		internet:   tcpReaches(t, n.client, internetHost),
		internet6:  tcpReaches(t, n.client, internetHost6),
		ping:       pings(t, n.client, internetHost),
		lan:        tcpReaches(t, n.client, lanHost),
		lan6:       tcpReaches(t, n.client, lanHost6),
		outsideDNS: dnsAnswered(t, n.client, internetHost),
		lanDNS:     dnsAnswered(t, n.client, lanHost),
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

	if err := fw.Apply(n.policy(KillSwitchOff, false)); err != nil {
		t.Fatal(err)
	}
	expectReach(t, "off, tunnel routing", n.probe(t), everything)
	n.breakTunnelRouting(t)
	expectReach(t, "off, tunnel routing broken: the leak the kill switch stops", n.probe(t), everything)
	n.restoreTunnelRouting(t)

	if err := fw.Apply(n.policy(KillSwitchAuto, false)); err != nil {
		t.Fatal(err)
	}
	if !dnsAnswered(t, n.client, tunnelHost) {
		t.Error("auto: the tunnel's own DNS server gets no answer")
	}
	expectReach(t, "auto, through the tunnel", n.probe(t), reachability{internet: true, internet6: true, ping: true})
	n.breakTunnelRouting(t)
	expectReach(t, "auto, tunnel routing broken", n.probe(t), reachability{})

	if err := fw.Apply(n.policy(KillSwitchAuto, true)); err != nil {
		t.Fatal(err)
	}
	expectReach(t, "auto with allow_lan, tunnel routing broken", n.probe(t), reachability{lan: true, lan6: true})

	if err := fw.Apply(FirewallPolicy{Mode: KillSwitchAlways}); err != nil {
		t.Fatal(err)
	}
	expectReach(t, "always, no tunnel", n.probe(t), reachability{})
	if err := fw.Apply(FirewallPolicy{Mode: KillSwitchAlways, AllowLAN: true}); err != nil {
		t.Fatal(err)
	}
	expectReach(t, "always with allow_lan, no tunnel", n.probe(t), reachability{lan: true, lan6: true})

	if err := fw.Apply(FirewallPolicy{Mode: KillSwitchOff}); err != nil {
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

func TestKillSwitchFailsFastWithAnErrorInsteadOfATimeout(t *testing.T) {
	testnet.RequireRoot(t)
	n := newStandInNetwork(t)
	fw := namespaceFirewall(t, n.client)
	n.breakTunnelRouting(t)
	if err := fw.Apply(n.policy(KillSwitchAuto, false)); err != nil {
		t.Fatal(err)
	}
	err := inNamespace(t, n.client, func() error {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(internetHost, servicePort), 10*time.Second)
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
		{Mode: KillSwitchAlways},
		{Mode: KillSwitchAlways, AllowLAN: true},
		{Mode: KillSwitchAuto, Tunnels: []FirewallTunnel{{Interface: "wgtx0", DefaultRoute: true, FwMark: 0x1234,
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
	if err := fw.Apply(FirewallPolicy{Mode: KillSwitchOff}); err != nil {
		t.Fatal(err)
	}
	if after := nftRuleset(t, ns); after != before {
		t.Errorf("off did not restore the ruleset.\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if err := fw.Apply(FirewallPolicy{Mode: KillSwitchOff}); err != nil {
		t.Errorf("off twice: %v", err)
	}
}

func TestKillSwitchRulesOutliveTheProcessThatWroteThem(t *testing.T) {
	if testnet.Role() == "writer" {
		if err := (&Firewall{}).Apply(FirewallPolicy{Mode: KillSwitchAlways}); err != nil {
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
	policy := FirewallPolicy{Mode: KillSwitchAuto, AllowLAN: true, Tunnels: []FirewallTunnel{{
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
	if got, err := restorer.Restore(); err == nil || got.Mode != KillSwitchAlways || got.AllowLAN {
		t.Errorf("Restore() of a corrupt file = %+v, %v; want lockdown and an error", got, err)
	}
	if active, err := restorer.Active(); err != nil || !active {
		t.Errorf("a corrupt saved policy left the kill switch inactive (%v)", err)
	}

	if err := os.Remove(saved); err != nil {
		t.Fatal(err)
	}
	if err := restorer.Apply(FirewallPolicy{Mode: KillSwitchOff}); err != nil {
		t.Fatal(err)
	}
	if got, err := (&Firewall{saved: filepath.Join(t.TempDir(), "none.json"), sys: restorer.sys}).Restore(); err != nil || got.Blocking() {
		t.Errorf("Restore() with nothing saved = %+v, %v", got, err)
	}
	if active, _ := restorer.Active(); active {
		t.Error("Restore() with nothing saved wrote rules")
	}
}
