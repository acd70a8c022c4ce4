package tunnel_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

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
