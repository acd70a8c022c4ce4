// go-rosenpass v0.5.42 races with itself (a retransmission timer and the
// receive loop both write a handshake's timer), so these tests run without
// the race detector: `make test` runs them in a second pass.

//go:build !race

package tunnel_test

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"
	"time"

	rosenpass "cunicu.li/go-rosenpass"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/internal/testbuild"
	"github.com/wgtray/wgtray/internal/testnet"
	"github.com/wgtray/wgtray/tunnel"
)

func TestMain(m *testing.M) { testbuild.Main(m) }

// rosenpassKeys makes a Rosenpass key pair and writes it to dir.
func rosenpassKeys(t *testing.T, dir, name string) (pk, sk string) {
	t.Helper()
	pub, sec, err := rosenpass.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	pk, sk = filepath.Join(dir, name+".pqpk"), filepath.Join(dir, name+".pqsk")
	if err := os.WriteFile(pk, pub, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sk, sec, 0o600); err != nil {
		t.Fatal(err)
	}
	return pk, sk
}

// rosenpassLab is the lab with Rosenpass key pairs for both ends; start
// runs the server's Rosenpass, which sets the server peer's preshared key.
type rosenpassLab struct {
	*lab
	files              rosenpassFiles
	serverPK, serverSK string
}

func newRosenpassLab(t *testing.T) *rosenpassLab {
	l := newLab(t)
	if l == nil {
		return nil
	}
	dir := t.TempDir()
	rl := &rosenpassLab{lab: l}
	rl.files.PublicKey, rl.files.SecretKey = rosenpassKeys(t, dir, "client")
	rl.serverPK, rl.serverSK = rosenpassKeys(t, dir, "server")
	rl.files.PeerPublicKey = rl.serverPK
	return rl
}

func (rl *rosenpassLab) startServer(t *testing.T) *testnet.Process {
	t.Helper()
	// go-rosenpass's own command is the server side's Rosenpass.
	bin := testbuild.Binary(t, testbuild.RosenpassCmd, "go-rosenpass")
	return rl.server.Start(t, nil, bin, "exchange",
		"public-key", rl.serverPK, "secret-key", rl.serverSK, "listen", "0.0.0.0:9999",
		"peer", "public-key", rl.files.PublicKey, "wireguard", rl.peer.Interface, rl.key.Public().String())
}

// up runs the tunnel with Rosenpass in the client namespace and returns
// the child's first report.
func (rl *rosenpassLab) up(t *testing.T, cfg *importer.Config) (*testnet.Child, rosenpassReport) {
	t.Helper()
	p := rl.payload(cfg)
	p.Rosenpass = &rl.files
	child := rl.client.StartTest(t, "rosenpass", p)
	var r rosenpassReport
	child.Receive(t, &r)
	if r.Err != "" {
		child.Stop(t)
		t.Fatal(r.Err)
	}
	return child, r
}

var zeroKey = base64.StdEncoding.EncodeToString(make([]byte, 32))

func TestRosenpassKeyBecomesPresharedKeyOnBothEndsAndIsRenewed(t *testing.T) {
	rl := newRosenpassLab(t)
	if rl == nil {
		return
	}
	rl.startServer(t)
	// A full tunnel, and a Rosenpass endpoint reached only through the
	// default route: Rosenpass's own UDP must leave outside the tunnel.
	cfg := rl.config("0.0.0.0/0", "::/0")
	rl.files.Endpoint = importer.Endpoint{Host: beyond, Port: 9999}
	rl.files.Rekey, rl.files.Exchanges, rl.files.Wait = 3*time.Second, 2, 30*time.Second
	child, r := rl.up(t, cfg)
	defer child.Stop(t)
	if len(r.Rosenpass) != 1 || r.Rosenpass[0].State != tunnel.RosenpassExchanged || !r.Handshake {
		t.Fatalf("after the first exchange: %+v, WireGuard handshake %v; want exchanged and a handshake", r.Rosenpass, r.Handshake)
	}
	first := waitSamePSK(t, rl, "")
	if first == zeroKey {
		t.Fatal("the preshared key both ends hold is zero")
	}
	rl.client.Run(t, "ping", "-c2", "-i0.2", "-W3", beyond)

	child.Receive(t, &r)
	if !r.SetPeersKept {
		t.Error("changing the peers replaced the post-quantum preshared key")
	}
	child.Receive(t, &r)
	if r.Rosenpass[0].Exchanges < 2 {
		t.Fatalf("no second exchange within %s: %+v", rl.files.Wait, r.Rosenpass)
	}
	waitSamePSK(t, rl, first)
	rl.client.Run(t, "ping", "-c2", "-i0.2", "-W3", beyond)
}

// waitSamePSK waits until both ends hold the same preshared key, other
// than not, and returns it.
func waitSamePSK(t *testing.T, rl *rosenpassLab, not string) string {
	t.Helper()
	var c, s string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		c, s = rl.client.PresharedKey(t, rl.name), rl.server.PresharedKey(t, rl.peer.Interface)
		if c == s && c != not {
			return c
		}
	}
	t.Fatalf("the ends do not agree on a new preshared key: client %s…, server %s…", c[:6], s[:6])
	return ""
}

func TestRosenpassWithoutServerKeepsTunnelClosedAndSaysWhy(t *testing.T) {
	rl := newRosenpassLab(t)
	if rl == nil {
		return
	}
	cfg := rl.config("10.200.0.0/24")
	rl.files.Rekey, rl.files.Wait = 2*time.Minute, 7*time.Second
	child, r := rl.up(t, cfg)
	defer child.Stop(t)
	if r.Handshake {
		t.Error("a WireGuard handshake happened without the post-quantum key")
	}
	want := "waiting for the post-quantum key exchange with " + addr(serverVeth) + ":9999"
	if len(r.Rosenpass) != 1 || r.Rosenpass[0].State != tunnel.RosenpassWaiting || r.Rosenpass[0].Reason() != want {
		t.Errorf("Rosenpass state %+v; want waiting, saying %q", r.Rosenpass, want)
	}
	if psk := rl.client.PresharedKey(t, rl.name); psk == zeroKey {
		t.Error("the peer's preshared key is zero while Rosenpass waits; want a random one")
	}
	if rl.client.Pings(addr(serverTunnel)) {
		t.Error("traffic flows through the tunnel without the post-quantum key")
	}
}
