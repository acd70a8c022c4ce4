package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/internal/testnet"
)

// leakCounter counts, on the router, the packets that come from the
// laptop's LAN addresses (not through the tunnel, whose packets come from
// its tunnel address) to the outside host.
func leakCounter(t *testing.T, n *killSwitchNet) func() int {
	t.Helper()
	table := testnet.UniqueName("leak")
	n.router.Run(t, "nft", "add", "table", "inet", table)
	n.router.Run(t, "nft", "add", "chain", "inet", table, "in", "{ type filter hook prerouting priority -300; }")
	n.router.Run(t, "nft", "add", "rule", "inet", table, "in", "ip", "saddr", "192.168.60.2", "ip", "daddr", ksInternet, "counter")
	n.router.Run(t, "nft", "add", "rule", "inet", table, "in", "ip6", "saddr", "fd60::2", "ip6", "daddr", ksInternet6, "counter")
	packets := regexp.MustCompile(`counter packets (\d+)`)
	return func() int {
		total := 0
		for _, m := range packets.FindAllStringSubmatch(n.router.Run(t, "nft", "list", "table", "inet", table), -1) {
			c, _ := strconv.Atoi(m[1])
			total += c
		}
		return total
	}
}

// TestKillSwitchDoesNotLeakWhileTheTunnelRejoins runs the tunnel's
// recovery with the kill switch on auto, with pings to an outside host
// all along and probes at each step: a resume from sleep as logind tells
// it, and the laptop's link going away and coming back. Not one packet to
// the outside host leaves on the LAN, and traffic flows through the
// tunnel again within 2 s of the network being back.
func TestKillSwitchDoesNotLeakWhileTheTunnelRejoins(t *testing.T) {
	testnet.RequireRoot(t)
	n := newKillSwitchNet(t)
	bus, prepareForSleep := testnet.StartLogind(t)
	w := startWgtraydWith(t, n.client, "DBUS_SYSTEM_BUS_ADDRESS="+bus)
	name := fullTunnel(t, n, w)
	counted := leakCounter(t, n)
	// The counter sees what leaves on the LAN with no tunnel up.
	if !n.client.Pings(ksInternet) || counted() == 0 {
		t.Fatal("the counter on the router does not see a ping sent on the LAN")
	}
	base := counted()
	leaked := func() int { return counted() - base }
	w.cli(t, "killswitch", "auto")
	w.up(t, name)
	w.handshake(t, n, name)
	lan, _, _ := strings.Cut(strings.Fields(n.client.Run(t, "ip", "-o", "addr", "show", "to", "192.168.60.0/24"))[1], "@")
	// Pings to the outside host, every 50 ms, for as long as the test may
	// take; through the tunnel they come from its address.
	for _, args := range [][]string{{"-4", ksInternet}, {"-6", ksInternet6}} {
		p := n.client.Start(t, nil, "ping", append([]string{"-n", "-q", "-i", "0.05", "-W", "1", "-c", "1200"}, args...)...)
		defer func() { _ = p.Stop(time.Second) }()
	}
	throughTunnelOnly := ksReach{internet: true, ping: true}

	tests := []struct {
		name       string
		away, back func()
		during     ksReach // what the probes reach while the network is away
	}{
		{"resume from sleep",
			func() { prepareForSleep(true) },
			func() { prepareForSleep(false) },
			throughTunnelOnly},
		{"link away and back",
			func() { n.client.Run(t, "ip", "link", "set", lan, "down") },
			func() {
				n.client.Run(t, "ip", "link", "set", lan, "up")
				// The link going down took its IPv6 address and every route
				// through it.
				n.client.Run(t, "ip", "addr", "replace", "fd60::2/64", "dev", lan, "nodad")
				n.client.Run(t, "ip", "route", "replace", "default", "via", ksLANHost)
				n.client.Run(t, "ip", "-6", "route", "replace", "default", "via", ksLANHost6)
			},
			ksReach{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.away()
			n.expect(t, "network away", tc.during)
			rejoins := strings.Count(w.proc.Output(), "rejoining the network")
			tc.back()
			back := time.Now()
			// Traffic after the tunnel rejoined (a new socket, new keys).
			through := false
			for time.Since(back) < 2*time.Second && !through {
				if strings.Count(w.proc.Output(), "rejoining the network") > rejoins {
					_, err := n.client.Exec("ping", "-n", "-c1", "-W1", ksPeerTunnel)
					through = err == nil
				} else {
					time.Sleep(10 * time.Millisecond)
				}
			}
			if !through {
				t.Errorf("no traffic through the rejoined tunnel within 2 s of the network being back\n%s", w.proc.Output())
			} else {
				t.Logf("traffic through the rejoined tunnel %v after the network was back", time.Since(back).Round(time.Millisecond))
			}
			n.expect(t, "network back", throughTunnelOnly)
			if c := leaked(); c != 0 {
				t.Errorf("%d packets to the outside host left on the LAN", c)
			}
		})
	}
	if out := w.proc.Output(); !strings.Contains(out, "resumed from sleep (logind)") {
		t.Errorf("the service did not take logind's signal for a resume:\n%s", out)
	}
}
