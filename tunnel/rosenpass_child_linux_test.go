package tunnel_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/internal/testnet"
	"github.com/wgtray/wgtray/tunnel"
)

// rosenpassFiles hands the child its Rosenpass keys (too big for the
// payload, which travels in the environment) and how to run.
type rosenpassFiles struct {
	PublicKey, SecretKey, PeerPublicKey string
	Endpoint                            importer.Endpoint
	// Rekey shortens the two minutes between exchanges.
	Rekey time.Duration
	// Exchanges is how many exchanges the child waits for before its
	// second report; Wait bounds each wait.
	Exchanges int
	Wait      time.Duration
}

// rosenpassReport is what the child reports: once the first exchange and
// WireGuard handshake happened (or Wait passed), and again after
// Exchanges exchanges.
type rosenpassReport struct {
	Err       string
	Handshake bool
	Rosenpass []tunnel.RosenpassStats
	// SetPeersKept: a change of peers (SetPeers with the configuration,
	// whose preshared key is zero) left the post-quantum key in force.
	SetPeersKept bool
}

// presharedKey is the preshared key of the tunnel's only peer, read with
// the stock wg through our UAPI socket.
func presharedKey(t testing.TB, iface string) string {
	out, err := exec.Command("wg", "show", iface, "preshared-keys").Output()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func runRosenpass(t testing.TB, p payload) {
	rf := p.Rosenpass
	tunnel.SetRosenpassTiming(rf.Rekey, 3*time.Minute)
	read := func(path string) []byte {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	rc := &tunnel.RosenpassConfig{
		PublicKey: read(rf.PublicKey),
		SecretKey: read(rf.SecretKey),
		Peers:     []tunnel.RosenpassPeer{{Peer: p.Config.Peers[0].PublicKey, PublicKey: read(rf.PeerPublicKey), Endpoint: rf.Endpoint}},
	}
	tun, err := tunnel.Start(context.Background(), p.Name, p.Config, tunnel.Options{Logger: childLogger(false), StateDir: p.StateDir, Rosenpass: rc})
	if err != nil {
		_ = testnet.Send(rosenpassReport{Err: err.Error()})
		t.Fatal(err)
	}
	report := func(done func(rosenpassReport) bool) {
		var r rosenpassReport
		for deadline := time.Now().Add(rf.Wait); ; time.Sleep(50 * time.Millisecond) {
			st, err := tun.Stats()
			if err != nil {
				t.Fatal(err)
			}
			r = rosenpassReport{Handshake: !st.Peers[0].LatestHandshake.IsZero(), Rosenpass: tun.Rosenpass()}
			if done(r) || time.Now().After(deadline) {
				break
			}
		}
		if err := testnet.Send(r); err != nil {
			t.Fatal(err)
		}
	}
	report(func(r rosenpassReport) bool { return r.Handshake && r.Rosenpass[0].Exchanges > 0 })
	if rf.Exchanges > 1 {
		kept := false
		for range 3 { // an exchange in between changes the key rightly: try again
			before, n := presharedKey(t, p.Name), tun.Rosenpass()[0].Exchanges
			if err := tun.SetPeers(context.Background(), p.Config, nil); err != nil {
				t.Fatal(err)
			}
			after := presharedKey(t, p.Name)
			if tun.Rosenpass()[0].Exchanges == n {
				kept = before == after
				break
			}
		}
		if err := testnet.Send(rosenpassReport{SetPeersKept: kept}); err != nil {
			t.Fatal(err)
		}
		report(func(r rosenpassReport) bool { return r.Rosenpass[0].Exchanges >= rf.Exchanges })
	}
	testnet.WaitForStop()
	if err := tun.Close(); err != nil {
		t.Error(err)
	}
	if len(rc.SecretKey) != tunnel.RosenpassSecretKeySize || strings.Trim(string(rc.SecretKey), "\x00") != "" {
		t.Error("Close left the Rosenpass secret key in memory")
	}
}
