package tunnel_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/internal/testnet"
	"github.com/wgtray/wgtray/tunnel"
)

// fakeResume makes the clocks report an hour's sleep once the file path
// appears.
func fakeResume(t testing.TB, path string) {
	resume := tunnel.FakeSleep()
	go func() {
		for range 1200 {
			if _, err := os.Stat(path); err == nil {
				resume(time.Hour)
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		t.Error("the parent never signalled the resume")
	}()
}

// After a resume from sleep and after the link comes back, the tunnel
// starts a handshake at once (not when the peer's two-minute session runs
// out) and traffic flows within 2 s.
func TestTunnelRejoinsWithin2sAfterResumeOrLinkBack(t *testing.T) {
	l := newLab(t)
	if l == nil {
		return
	}
	p := l.payload(l.config("10.200.0.0/24"))
	p.Resume = filepath.Join(t.TempDir(), "resume")
	child, _ := l.up(t, p)
	defer child.Stop(t)
	l.client.Run(t, "ping", "-c1", "-W2", addr(serverTunnel))
	responses := l.server.SniffHandshakeResponses(t, l.serverIf, l.peer.ListenPort)

	tests := []struct {
		name  string
		event func() time.Time // returns when the network is back
	}{
		{"resume from sleep", func() time.Time {
			if err := os.WriteFile(p.Resume, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return time.Now()
		}},
		{"link down and up", func() time.Time {
			l.client.Run(t, "ip", "link", "set", l.clientIf, "down")
			time.Sleep(500 * time.Millisecond)
			l.client.Run(t, "ip", "link", "set", l.clientIf, "up")
			return time.Now()
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for len(responses) > 0 {
				<-responses
			}
			back := tc.event()
			select {
			case at := <-responses:
				t.Logf("handshake response %v after the network was back", at.Sub(back))
			case <-time.After(2 * time.Second):
				t.Fatal("no handshake within 2 s of the network being back")
			}
			pinged := false
			for time.Since(back) < 2*time.Second && !pinged {
				_, err := l.client.Exec("ping", "-c1", "-W1", addr(serverTunnel))
				pinged = err == nil
			}
			if !pinged {
				t.Errorf("no traffic through the tunnel within 2 s of the network being back")
			}
			t.Logf("traffic flows %v after the network was back", time.Since(back))
		})
	}
}

// waitHealth waits up to d for a Health report from the child for which
// want holds, and says how long it took.
func waitHealth(t *testing.T, child *testnet.Child, d time.Duration, want func(tunnel.Health) bool) (tunnel.Health, time.Duration, bool) {
	t.Helper()
	start := time.Now()
	for {
		left := d - time.Since(start)
		var r report
		if left <= 0 || !child.ReceiveWithin(t, left, &r) {
			return tunnel.Health{}, time.Since(start), false
		}
		if r.Health != nil && want(*r.Health) {
			return *r.Health, time.Since(start), true
		}
	}
}

func noNetwork(h tunnel.Health) bool { return h.NoNetwork }
func network(h tunnel.Health) bool   { return !h.NoNetwork }

// When the network under the tunnel goes away (its default route, its
// link, the link's carrier), the tunnel says it waits for the network
// within a second, not when a handshake turns stale minutes later; when
// the network is back, it says so once a handshake completed, and traffic
// flows within 2 s.
func TestTunnelSaysItWaitsForTheNetworkWithinASecond(t *testing.T) {
	l := newLab(t)
	if l == nil {
		return
	}
	cfg := l.config("10.200.0.0/24")
	// The endpoint is reached through the default route.
	cfg.Peers[0].Endpoint = l.peer.Endpoint(beyond)
	p := l.payload(cfg)
	p.Health = true
	child, _ := l.up(t, p)
	defer child.Stop(t)
	l.client.Run(t, "ping", "-c1", "-W2", addr(serverTunnel))
	gateway := addr(serverVeth)

	tests := []struct {
		name       string
		away, back func()
		// within is how soon the tunnel must say it: a second, except
		// for a lost carrier, which the kernel tells only at its next
		// linkwatch run, at most once a second for the whole machine
		// (other namespaces' links count too): up to a second late.
		within time.Duration
	}{
		{"default route removed",
			func() { l.client.Run(t, "ip", "route", "del", "default") },
			func() { l.client.Run(t, "ip", "route", "add", "default", "via", gateway) },
			time.Second},
		{"link down",
			func() { l.client.Run(t, "ip", "link", "set", l.clientIf, "down") },
			func() {
				l.client.Run(t, "ip", "link", "set", l.clientIf, "up")
				l.client.Run(t, "ip", "route", "replace", "default", "via", gateway)
			},
			time.Second},
		{"carrier lost",
			func() { l.server.Run(t, "ip", "link", "set", l.serverIf, "down") },
			func() { l.server.Run(t, "ip", "link", "set", l.serverIf, "up") },
			time.Second + 100*time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.away()
			if _, took, ok := waitHealth(t, child, tc.within, noNetwork); !ok {
				t.Fatalf("the tunnel did not say it waits for the network within %v", tc.within)
			} else {
				t.Logf("waiting for the network reported after %v", took.Round(time.Millisecond))
			}
			time.Sleep(300 * time.Millisecond)
			tc.back()
			back := time.Now()
			if _, took, ok := waitHealth(t, child, 2*time.Second, network); !ok {
				t.Fatalf("the tunnel still waits for the network 2 s after it was back")
			} else {
				t.Logf("network back (with a handshake) reported after %v", took.Round(time.Millisecond))
			}
			pinged := false
			for time.Since(back) < 2*time.Second && !pinged {
				_, err := l.client.Exec("ping", "-c1", "-W1", addr(serverTunnel))
				pinged = err == nil
			}
			if !pinged {
				t.Fatalf("no traffic through the tunnel within 2 s of the network being back")
			}
			t.Logf("traffic flows %v after the network was back", time.Since(back).Round(time.Millisecond))
		})
	}
}

// Another tunnel coming up (its own interface, addresses and routes)
// leaves the way to this tunnel's endpoint as it was: no rejoin, so no
// handshake stalls this tunnel's traffic. A new gateway does move it.
func TestAnotherTunnelComingUpDoesNotMakeTheTunnelRejoin(t *testing.T) {
	l := newLab(t)
	if l == nil {
		return
	}
	cfg := l.config("10.200.0.0/24")
	cfg.Peers[0].Endpoint = l.peer.Endpoint(beyond)
	child, _ := l.up(t, l.payload(cfg))
	defer child.Stop(t)
	l.client.Run(t, "ping", "-c1", "-W2", addr(serverTunnel))
	responses := l.server.SniffHandshakeResponses(t, l.serverIf, l.peer.ListenPort)

	other := testnet.UniqueName("wgo")
	l.client.Run(t, "ip", "tuntap", "add", "dev", other, "mode", "tun")
	l.client.Run(t, "ip", "addr", "add", "10.77.0.2/24", "dev", other)
	l.client.Run(t, "ip", "link", "set", other, "up")
	l.client.Run(t, "ip", "route", "add", "10.78.0.0/16", "dev", other)
	l.client.Run(t, "ip", "-6", "addr", "add", "fd77::2/64", "dev", other, "nodad")
	select {
	case <-responses:
		t.Fatal("another tunnel coming up made this one rejoin the network (a new handshake)")
	case <-time.After(1500 * time.Millisecond):
	}
	l.client.Run(t, "ip", "link", "del", other)

	// A second router on the link becomes the default gateway: the way to
	// the endpoint changed, and the tunnel rejoins through it.
	l.server.Run(t, "ip", "addr", "add", "10.99.0.3/24", "dev", l.serverIf)
	l.client.Run(t, "ip", "route", "replace", "default", "via", "10.99.0.3")
	select {
	case <-responses:
	case <-time.After(2 * time.Second):
		t.Fatal("a new default gateway did not make the tunnel rejoin within 2 s")
	}
}

// A peer that was sent traffic and answers nothing for the rejoin delay
// (2 minutes; shortened here) makes the tunnel rejoin the network; still
// nothing after the report delay (3 minutes), the tunnel reports it, once;
// when the peer answers again, the report clears.
func TestTunnelRejoinsThenReportsAPeerThatStopsAnswering(t *testing.T) {
	l := newLab(t)
	if l == nil {
		return
	}
	p := l.payload(l.config("10.200.0.0/24"))
	p.Health = true
	p.Silence = &silenceTiming{Rejoin: time.Second, Report: 2500 * time.Millisecond, Check: 100 * time.Millisecond}
	child, _ := l.up(t, p)
	defer child.Stop(t)
	l.client.Run(t, "ping", "-c1", "-W2", addr(serverTunnel))

	// The peer forgets the tunnel: it answers nothing any more.
	l.server.Run(t, "wg", "set", l.peer.Interface, "peer", l.key.Public().String(), "remove")
	start := time.Now()
	ping := l.client.Start(t, nil, "ping", "-q", "-i", "0.2", "-c", "40", addr(serverTunnel))
	defer func() { _ = ping.Stop(time.Second) }()
	h, _, ok := waitHealth(t, child, 8*time.Second, func(h tunnel.Health) bool { return len(h.Unanswered) > 0 })
	if !ok {
		t.Fatalf("no report of the peer that answers nothing within 8 s:\n%s", child.Output())
	}
	took := time.Since(start)
	t.Logf("unanswered peer reported %v after it stopped answering", took.Round(time.Millisecond))
	if len(h.Unanswered) != 1 || h.Unanswered[0] != l.peer.PublicKey {
		t.Errorf("unanswered peers %v, want [%s]", h.Unanswered, l.peer.PublicKey)
	}
	if took < 2500*time.Millisecond {
		t.Errorf("reported after %v, before the report delay", took)
	}
	out := outputWithin(child, "a peer answers nothing", 2*time.Second)
	if !strings.Contains(out, "answered nothing for 1s") {
		t.Errorf("the tunnel did not rejoin the network for the silent peer:\n%s", out)
	}
	if n := strings.Count(out, "a peer answers nothing"); n != 1 {
		t.Errorf("the silent peer was logged %d times, want once", n)
	}

	l.peer.AddPeer(t, l.key.Public(), []string{"10.200.0.2/32", "fd20::2/128"})
	if _, took, ok := waitHealth(t, child, 15*time.Second, func(h tunnel.Health) bool { return len(h.Unanswered) == 0 }); !ok {
		t.Fatalf("the report did not clear within 15 s of the peer answering again")
	} else {
		t.Logf("report cleared %v after the peer was back", took.Round(time.Millisecond))
	}
}

// logind announces a resume with PrepareForSleep(false) on the system bus:
// the tunnel rejoins at once, without waiting for the clocks.
func TestTunnelRejoinsWhenLogindSaysTheMachineResumed(t *testing.T) {
	l := newLab(t)
	if l == nil {
		return
	}
	bus, prepareForSleep := testnet.StartLogind(t)
	p := l.payload(l.config("10.200.0.0/24"))
	p.SystemBus = bus
	child, _ := l.up(t, p)
	defer child.Stop(t)
	l.client.Run(t, "ping", "-c1", "-W2", addr(serverTunnel))
	responses := l.server.SniffHandshakeResponses(t, l.serverIf, l.peer.ListenPort)

	prepareForSleep(true)
	select {
	case <-responses:
		t.Fatal("the tunnel rejoined when the machine was about to sleep")
	case <-time.After(500 * time.Millisecond):
	}
	prepareForSleep(false)
	back := time.Now()
	select {
	case at := <-responses:
		t.Logf("handshake response %v after the resume", at.Sub(back).Round(time.Millisecond))
	case <-time.After(2 * time.Second):
		t.Fatalf("no handshake within 2 s of logind's resume:\n%s", child.Output())
	}
}

// outputWithin is the child's output once it holds s, or after d: the
// child logs before it reports, but its log reaches this process through
// another pipe than the report and may come second.
func outputWithin(child *testnet.Child, s string, d time.Duration) string {
	testnet.Within(d, func() bool { return strings.Contains(child.Output(), s) })
	return child.Output()
}
