package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/internal/testnet"
)

// `wgtrayd import` of a folder holding NAME.conf and the Rust tools'
// NAME.rosenpass-public/{pqpk,wgpk} imports the tunnel and turns Rosenpass
// on, through the service, for the peer wgpk names (of two), with the
// endpoint at that peer's host, port 9999; the other peer stays without.
func TestImportFolderTurnsRosenpassOnForThePeerItsKeyNames(t *testing.T) {
	w := startWgtrayd(t, testnet.NewNamespace(t))
	keys := make([]importer.Key, 3)
	for i := range keys {
		k, err := importer.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		keys[i] = k
	}
	peerA, peerB := keys[1].Public(), keys[2].Public()
	name := testnet.UniqueName("pq")
	conf := "[Interface]\nPrivateKey = " + keys[0].String() + "\nAddress = 10.9.0.2/32\n" +
		"\n[Peer]\nPublicKey = " + peerA.String() + "\nAllowedIPs = 10.9.1.0/24\nEndpoint = 203.0.113.1:51820\n" +
		"\n[Peer]\nPublicKey = " + peerB.String() + "\nAllowedIPs = 10.9.2.0/24\nEndpoint = 203.0.113.2:51820\n"
	dir := t.TempDir()
	pqDir := filepath.Join(dir, name+".rosenpass-public")
	if err := os.Mkdir(pqDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for f, data := range map[string]string{
		filepath.Join(dir, name+".conf"): conf,
		filepath.Join(pqDir, "pqpk"):     strings.Repeat("k", importer.RosenpassPublicKeySize),
		filepath.Join(pqDir, "wgpk"):     peerB.String() + "\n",
	} {
		if err := os.WriteFile(f, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(w.bin, "--key-store=file", "import", dir)
	cmd.Env = append(os.Environ(), "WGTRAY_SOCKET="+w.socket, "XDG_CONFIG_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("wgtrayd import %s: %v\n%s", dir, err, out)
	}
	want := "Rosenpass is on for peer " + peerB.String() + " with the key from " + filepath.Join(pqDir, "pqpk")
	if !strings.Contains(string(out), "imported "+filepath.Join(dir, name+".conf")+" as "+name) || !strings.Contains(string(out), want) {
		t.Fatalf("output does not say the tunnel was imported and %q:\n%s", want, out)
	}
	st, err := w.client.Status(ctx(t), name)
	if err != nil {
		t.Fatal(err)
	}
	on := map[string]string{}
	for _, p := range st.Tunnels[0].Peers {
		if p.Rosenpass != nil {
			on[p.PublicKey] = p.Rosenpass.Endpoint
		}
	}
	if len(on) != 1 || on[peerB.String()] != "203.0.113.2:9999" {
		t.Fatalf("Rosenpass on for %v (peer: endpoint), want only %s at 203.0.113.2:9999", on, peerB)
	}
}
