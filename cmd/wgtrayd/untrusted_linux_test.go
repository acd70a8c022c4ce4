package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/internal/testnet"
	"github.com/wgtray/wgtray/platform/firewall"
	"github.com/wgtray/wgtray/service/api"
)

// secondRouter gives the laptop a second link to another router (another
// MAC address), 192.168.61.1, which routes to the internet and the peer
// through the first router. It returns the router's namespace and a count
// of the packets to the outside host that reach it from the laptop.
func secondRouter(t *testing.T, n *killSwitchNet) (*testnet.Namespace, func() int) {
	t.Helper()
	b := testnet.NewNamespace(t)
	_, bLAN := testnet.Connect(t, n.client, b, "192.168.61.2/24", "192.168.61.1/24")
	testnet.Connect(t, b, n.router, "172.31.61.2/24", "172.31.61.1/24")
	b.Run(t, "sysctl", "-qw", "net.ipv4.ip_forward=1")
	b.Run(t, "ip", "route", "add", "default", "via", "172.31.61.1")
	n.router.Run(t, "ip", "route", "add", "192.168.61.0/24", "via", "172.31.61.2")
	table := testnet.UniqueName("leak")
	b.Run(t, "nft", "add", "table", "inet", table)
	b.Run(t, "nft", "add", "chain", "inet", table, "in", "{ type filter hook prerouting priority -300; }")
	b.Run(t, "nft", "add", "rule", "inet", table, "in", "iifname", bLAN, "ip", "daddr", ksInternet, "counter")
	b.Run(t, "nft", "add", "rule", "inet", table, "in", "iifname", bLAN, "ip6", "daddr", ksInternet6, "counter")
	packets := regexp.MustCompile(`counter packets (\d+)`)
	return b, func() int {
		total := 0
		for _, m := range packets.FindAllStringSubmatch(b.Run(t, "nft", "list", "table", "inet", table), -1) {
			c, _ := strconv.Atoi(m[1])
			total += c
		}
		return total
	}
}

// A tunnel with networks=untrusted is down on a network trusted by its
// gateway's MAC address; moving the laptop's default route to a second
// router (another MAC) brings it up with a handshake within 5 s, and moving
// back brings it down. The kill switch is on auto and pings go to an outside
// host every 50 ms all along: not one leaves on the untrusted router's link.
func TestUntrustedOnlyTunnelFollowsTheLaptopBetweenRouters(t *testing.T) {
	testnet.RequireRoot(t)
	n := newKillSwitchNet(t)
	b, leakedToB := secondRouter(t, n)
	w := startWgtrayd(t, n.client)
	name := fullTunnel(t, n, w)
	// The counter sees what the laptop sends that router's way.
	n.client.Run(t, "ip", "route", "replace", "default", "via", "192.168.61.1")
	if !n.client.Pings(ksInternet) || leakedToB() == 0 {
		t.Fatal("the counter on the second router does not see a ping sent its way")
	}
	n.client.Run(t, "ip", "route", "replace", "default", "via", ksLANHost)
	base := leakedToB()
	_ = b

	w.cli(t, "killswitch", "auto")
	w.cli(t, "set", name, "networks=untrusted")
	waitFor(t, "the service to know the first router", func() bool {
		st, err := w.client.Status(ctx(t), name)
		return err == nil && st.Network.Known && st.Network.Gateway.String() == ksLANHost
	})
	out := w.cli(t, "trusted", "add", "current", "--name", "home")
	if !strings.Contains(out, "gateway") {
		t.Errorf("trusted add current: %s", out)
	}
	if out := w.cli(t, "trusted", "list"); !strings.Contains(out, "* ") && !strings.Contains(out, "*\t") || !strings.Contains(out, "trusted as \"home\"") {
		t.Errorf("trusted list does not mark the current network:\n%s", out)
	}
	// A user's up on the trusted network: it stays up until the network
	// changes; a move and back pauses it.
	w.up(t, name)
	w.handshake(t, n, name)

	for _, args := range [][]string{{"-4", ksInternet}, {"-6", ksInternet6}} {
		p := n.client.Start(t, nil, "ping", append([]string{"-n", "-q", "-i", "0.05", "-W", "1", "-c", "1200"}, args...)...)
		defer func() { _ = p.Stop(time.Second) }()
	}
	status := func() api.Status {
		st, err := w.client.Status(ctx(t), name)
		if err != nil || len(st.Tunnels) != 1 {
			t.Fatalf("status: %+v, %v", st, err)
		}
		return st
	}
	state := func() api.TunnelStatus { return status().Tunnels[0] }
	moveTo := func(gw string) time.Time {
		n.client.Run(t, "ip", "route", "replace", "default", "via", gw)
		return time.Now()
	}
	upWithHandshakeSince := func(step string, since time.Time) {
		t.Helper()
		ok := testnet.Within(5*time.Second, func() bool {
			st := status()
			s := st.Tunnels[0]
			return !st.Network.Trusted && st.Network.Known && s.State == api.StateUp && len(s.Peers) == 1 && s.Peers[0].LatestHandshake != nil && s.Peers[0].LatestHandshake.After(since)
		})
		if !ok {
			t.Fatalf("%s: no handshake within 5 s: %+v\n%s", step, state(), w.proc.Output())
		}
		t.Logf("%s: up with a handshake %v after the move", step, time.Since(since).Round(time.Millisecond))
	}
	paused := func(step string, since time.Time) {
		t.Helper()
		ok := testnet.Within(5*time.Second, func() bool {
			s := state()
			return s.State == api.StateDown && s.Paused == "paused: trusted network home"
		})
		if !ok {
			t.Fatalf("%s: not paused within 5 s: %+v\n%s", step, state(), w.proc.Output())
		}
		t.Logf("%s: paused %v after the move", step, time.Since(since).Round(time.Millisecond))
		// The status says paused once the tunnel is down; the kill switch
		// opens the trusted network's way out right after (it follows
		// the state, and fails closed meanwhile): 63 ms later in one run.
		if !testnet.Within(time.Second, func() bool { return n.client.TCPReaches(t, ksInternet) }) {
			t.Errorf("%s: the trusted network does not reach the internet within 1 s of the tunnel's pause", step)
		}
	}
	upWithHandshakeSince("to the second router after a user's up", moveTo("192.168.61.1"))
	paused("back to the trusted router", moveTo(ksLANHost))
	if st, err := w.client.Status(ctx(t), ""); err != nil || !st.Network.Trusted {
		t.Errorf("status does not say the network is trusted: %+v, %v", st.Network, err)
	}
	if out := w.cli(t, "status", name); !strings.Contains(out, "paused: trusted network home") || !strings.Contains(out, "trusted as \"home\"") {
		t.Errorf("wgtrayd status:\n%s", out)
	}
	for i := range 2 {
		upWithHandshakeSince("to the second router", moveTo("192.168.61.1"))
		if c := leakedToB() - base; c != 0 {
			t.Errorf("round %d: %d packets to the outside host left on the second router's link", i, c)
		}
		paused("back to the trusted router", moveTo(ksLANHost))
	}
	if c := leakedToB() - base; c != 0 {
		t.Errorf("%d packets to the outside host left on the second router's link", c)
	}

	// Another router at the trusted gateway's very address, on the same
	// link: only its MAC address tells it apart. Until the service has
	// noticed, nothing may reach it but the neighbour discovery.
	ifaceOf := func(ns *testnet.Namespace) string {
		name, _, _ := strings.Cut(strings.Fields(ns.Run(t, "ip", "-o", "addr", "show", "to", "192.168.60.0/24"))[1], "@")
		return name
	}
	if _, err := n.client.Exec("nft", "list", "table", "netdev", firewall.TrustedTable); err != nil {
		t.Errorf("no check of the gateway's MAC while paused: %v", err)
	}
	toA := leakCounter(t, n)
	// The pings went to the trusted router until here; from now on the
	// router answers to another MAC address.
	n.router.Run(t, "ip", "link", "set", ifaceOf(n.router), "address", "02:00:00:00:60:01")
	before := toA()
	since := time.Now()
	n.client.Run(t, "ip", "neigh", "flush", "dev", ifaceOf(n.client))
	upWithHandshakeSince("another router at the trusted gateway's address", since)
	if c := toA() - before; c != 0 {
		t.Errorf("%d packets to the outside host reached the router at the trusted gateway's address", c)
	}

	// down means down everywhere.
	w.cli(t, "down", name)
	moveTo("192.168.61.1")
	time.Sleep(time.Second)
	if s := state(); s.State != api.StateDown || s.Paused != "" {
		t.Errorf("after down, on the untrusted network: %+v", s)
	}
}

// waitFor polls cond for up to 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !testnet.Within(10*time.Second, cond) {
		t.Fatalf("waited 10 s for %s", what)
	}
}

// Wi-Fi is identified by its SSID together with the gateway's MAC, from
// NetworkManager (a stand-in on a private system bus): the trusted home
// network with another SSID is untrusted, and the tunnel comes up there
// without a packet to the outside host on that router's link; a network
// trusted by its SSID alone pauses the tunnel, and the CLI warns that an
// SSID alone can be spoofed.
func TestUntrustedOnlyTunnelKnowsWiFiBySSIDAndGateway(t *testing.T) {
	testnet.RequireRoot(t)
	n := newKillSwitchNet(t)
	_, _ = secondRouter(t, n)
	ifaceTo := func(subnet string) string {
		name, _, _ := strings.Cut(strings.Fields(n.client.Run(t, "ip", "-o", "addr", "show", "to", subnet))[1], "@")
		return name
	}
	wlanA, wlanB := ifaceTo("192.168.60.0/24"), ifaceTo("192.168.61.0/24")
	bus, setSSID := testnet.StartNetworkManager(t, map[string]string{wlanA: "home", wlanB: "cafe"})
	w := startWgtraydWith(t, n.client, "DBUS_SYSTEM_BUS_ADDRESS="+bus)
	name := fullTunnel(t, n, w)
	w.cli(t, "killswitch", "auto")
	w.cli(t, "set", name, "networks=untrusted")
	status := func() api.Status {
		st, err := w.client.Status(ctx(t), name)
		if err != nil || len(st.Tunnels) != 1 {
			t.Fatalf("status: %+v, %v", st, err)
		}
		return st
	}
	waitFor(t, "the service to know the home Wi-Fi", func() bool { return status().Network.SSID == "home" && status().Network.Known })
	if out := w.cli(t, "trusted", "add", "current"); !strings.Contains(out, `Wi-Fi "home"`) || !strings.Contains(out, "gateway ") || strings.Contains(out, "spoof") {
		t.Errorf("trusted add current on Wi-Fi: %s", out)
	}
	if out := w.cli(t, "trusted", "add", "ssid:cafe"); !strings.Contains(out, "anyone nearby") {
		t.Errorf("trusting an SSID alone gives no warning: %s", out)
	}
	w.up(t, name) // a user's up: stays up on this network
	w.handshake(t, n, name)
	for _, args := range [][]string{{"-4", ksInternet}, {"-6", ksInternet6}} {
		p := n.client.Start(t, nil, "ping", append([]string{"-n", "-q", "-i", "0.05", "-W", "1", "-c", "600"}, args...)...)
		defer func() { _ = p.Stop(time.Second) }()
	}
	moveTo := func(gw string) time.Time {
		n.client.Run(t, "ip", "route", "replace", "default", "via", gw)
		return time.Now()
	}
	expect := func(step string, since time.Time, trustedAs string) {
		t.Helper()
		ok := testnet.Within(5*time.Second, func() bool {
			st := status()
			s := st.Tunnels[0]
			if trustedAs != "" {
				return st.Network.TrustedName == trustedAs && s.State == api.StateDown && s.Paused == "paused: trusted network "+trustedAs
			}
			return !st.Network.Trusted && st.Network.Known && s.State == api.StateUp && len(s.Peers) == 1 && s.Peers[0].LatestHandshake != nil && s.Peers[0].LatestHandshake.After(since)
		})
		if !ok {
			t.Fatalf("%s: %+v\n%s", step, status(), w.proc.Output())
		}
		t.Logf("%s: %v after the move", step, time.Since(since).Round(time.Millisecond))
	}
	expect("to the cafe, trusted by its SSID alone", moveTo("192.168.61.1"), "cafe")
	// Home's router with another SSID: not the trusted network.
	setSSID(wlanA, "home-guest")
	toA := leakCounter(t, n)
	before := toA()
	expect("to the home router under another SSID", moveTo(ksLANHost), "")
	if c := toA() - before; c != 0 {
		t.Errorf("%d packets to the outside host left on the home router's link under another SSID", c)
	}
	setSSID(wlanA, "home")
	moveTo("192.168.61.1")
	expect("back home", moveTo(ksLANHost), "home")
}
