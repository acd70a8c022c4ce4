package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	rosenpass "cunicu.li/go-rosenpass"

	"github.com/wgtray/wgtray/internal/testbuild"
	"github.com/wgtray/wgtray/service/api"
)

// The service runs Rosenpass for a full tunnel under the kill switch
// (always), against Debian's wireguard-go plus go-rosenpass's own command
// on the server. First without the server's Rosenpass: the tunnel is up
// but no handshake happens and status says why; then with it: both ends
// hold the same preshared key and traffic flows. Our secret key is in no
// file of the state directory and not in the log.
func TestRosenpassThroughServiceUnderKillSwitch(t *testing.T) {
	n := newKillSwitchNet(t)
	w := startWgtrayd(t, n.client)
	if _, err := w.client.SetKillSwitch(ctx(t), api.KillSwitchAlways, false); err != nil {
		t.Fatal(err)
	}
	name := fullTunnel(t, n, w)
	dir := t.TempDir()
	srvPub, srvSec, err := rosenpass.GenerateKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	srvPK, srvSK, ourPK := filepath.Join(dir, "server.pqpk"), filepath.Join(dir, "server.pqsk"), filepath.Join(dir, "client.pqpk")
	for f, b := range map[string][]byte{srvPK: srvPub, srvSK: srvSec} {
		if err := os.WriteFile(f, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	peer := n.peer.PublicKey.String()
	if _, err := w.client.RosenpassOn(ctx(t), name, peer, srvPub, ""); err != nil {
		t.Fatal(err)
	}
	ours, err := w.client.RosenpassPublicKey(ctx(t), name)
	if err != nil || len(ours) != 524160 {
		t.Fatalf("our Rosenpass public key: %d bytes, %v", len(ours), err)
	}
	if err := os.WriteFile(ourPK, ours, 0o600); err != nil {
		t.Fatal(err)
	}
	iface := w.up(t, name)

	for range 3 {
		n.client.Pings(ksPeerTunnel)
	}
	st, err := w.client.Status(ctx(t), name)
	if err != nil {
		t.Fatal(err)
	}
	p := st.Tunnels[0].Peers[0]
	want := "waiting for the post-quantum key exchange with " + ksPeerPublic + ":9999"
	if p.LatestHandshake != nil || p.Rosenpass == nil || p.Rosenpass.State != "waiting" || p.Rosenpass.Reason != want {
		t.Errorf("without the server's Rosenpass: handshake %v, rosenpass %+v; want none, waiting, %q", p.LatestHandshake, p.Rosenpass, want)
	}
	if out := w.cli(t, "status", name); !strings.Contains(out, want) {
		t.Errorf("wgtrayd status does not say %q:\n%s", want, out)
	}

	bin := testbuild.Binary(t, testbuild.RosenpassCmd, "go-rosenpass")
	n.peerNS.Start(t, nil, bin, "exchange", "public-key", srvPK, "secret-key", srvSK, "listen", ksPeerPublic+":9999",
		"peer", "public-key", ourPK, "wireguard", n.peer.Interface, st.Tunnels[0].Interface.PublicKey)
	// go-rosenpass sends its first message again after at most 10 s.
	w.handshake(t, n, name)
	client, server := n.client.PresharedKey(t, iface), n.peerNS.PresharedKey(t, n.peer.Interface)
	if client != server || client == base64.StdEncoding.EncodeToString(make([]byte, 32)) {
		t.Errorf("preshared keys: ours %s…, the server's %s…; want the same, not zero", client[:6], server[:6])
	}
	if !n.client.TCPReaches(t, ksPeerTunnel) {
		t.Error("no traffic through the tunnel once the keys agree")
	}
	if out := w.cli(t, "status", name); !strings.Contains(out, "rosenpass: on, "+ksPeerPublic+":9999, exchanged, last exchange") {
		t.Errorf("wgtrayd status does not show the exchange:\n%s", out)
	}

	secret := rosenpassSecretOf(t, w, name)
	filepath.Walk(w.state, func(path string, info os.FileInfo, err error) error {
		if err == nil && info.Mode().IsRegular() {
			if b, _ := os.ReadFile(path); bytes.Contains(b, secret[:64]) || bytes.Contains(b, []byte(base64.StdEncoding.EncodeToString(secret)[:64])) {
				t.Errorf("%s holds our Rosenpass secret key", path)
			}
		}
		return nil
	})
	if strings.Contains(w.proc.Output(), base64.StdEncoding.EncodeToString(secret)[:64]) {
		t.Error("the service's log holds our Rosenpass secret key")
	}
}

// rosenpassSecretOf reads our secret key back from the test's key store.
func rosenpassSecretOf(t *testing.T, w *wgtraydUnderTest, name string) []byte {
	t.Helper()
	var text strings.Builder
	for i := 0; ; i++ {
		b, err := os.ReadFile(filepath.Join(filepath.Dir(w.state), "keys", name+".rosenpass-"+strconv.Itoa(i)+".json"))
		if err != nil {
			break
		}
		text.Write(b)
	}
	sk, err := base64.StdEncoding.DecodeString(text.String())
	if err != nil || len(sk) != 13608 {
		t.Fatalf("our Rosenpass secret key from the key store: %d bytes, %v", len(sk), err)
	}
	return sk
}
