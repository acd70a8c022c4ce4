package importer

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"
)

// Peer keys of the configs below.
const (
	pqPeerA = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
	pqPeerB = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0="
)

// pqConfig is a valid config with a peer for each key.
func pqConfig(t *testing.T, peers ...string) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString("[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\nAddress = 10.0.0.2/32\n")
	for i, p := range peers {
		fmt.Fprintf(&b, "\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.0.%d.0/24\nEndpoint = vpn.example.com:51820\n", p, i+1)
	}
	return []byte(b.String())
}

// pqKey is a Rosenpass public key of n bytes.
func pqKey(n int) []byte { return bytes.Repeat([]byte{0x5a}, n) }

func TestPairRosenpassKeyFindsItsPeerOrSaysWhyNot(t *testing.T) {
	good := pqKey(RosenpassPublicKeySize)
	tests := []struct {
		name  string
		peers []string
		pqpk  []byte
		wgpk  []byte
		peer  string // the paired peer; "" when an error is wanted
		want  string // in the error
	}{
		{"single peer without wgpk", []string{pqPeerA}, good, nil, pqPeerA, ""},
		{"wgpk picks one of several peers", []string{pqPeerA, pqPeerB}, good, []byte(pqPeerB + "\n"), pqPeerB, ""},
		{"wrong size", []string{pqPeerA}, pqKey(1000), nil, "", "1000 bytes, not 524160"},
		{"empty key file", []string{pqPeerA}, []byte{}, nil, "", "0 bytes, not 524160"},
		{"wgpk names no peer of the config", []string{pqPeerA}, good, []byte(pqPeerB), "", "names peer " + pqPeerB + ", which the config has not"},
		{"wgpk is no key", []string{pqPeerA}, good, []byte("not a key"), "", "holds no WireGuard public key"},
		{"several peers and no wgpk", []string{pqPeerA, pqPeerB}, good, nil, "", "2 peers and no wgpk"},
		{"no peer at all", nil, good, nil, "", "0 peers and no wgpk"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := Parse("wg0.conf", pqConfig(t, tc.peers...))
			if err != nil && tc.peers != nil {
				t.Fatal(err)
			}
			if cfg == nil {
				cfg = &Config{}
			}
			rk, err := PairRosenpassKey("wg0.pqpk", cfg, tc.pqpk, tc.wgpk)
			if tc.peer == "" {
				if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "wg0.pqpk: ") {
					t.Fatalf("err = %v, want one naming wg0.pqpk and saying %q", err, tc.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if rk.Peer.String() != tc.peer || !bytes.Equal(rk.PublicKey, tc.pqpk) || rk.File != "wg0.pqpk" {
				t.Fatalf("paired with %s (%d bytes, %s), want %s", rk.Peer, len(rk.PublicKey), rk.File, tc.peer)
			}
		})
	}
}

func TestImportBundlePairsRosenpassKeysWithTheirConfigs(t *testing.T) {
	good := pqKey(RosenpassPublicKeySize)
	data := makeZip(t,
		zipFile{"home.conf", pqConfig(t, pqPeerA, pqPeerB)},
		zipFile{"home.rosenpass-public/pqpk", good},
		zipFile{"home.rosenpass-public/wgpk", []byte(pqPeerB + "\n")},
		zipFile{"sub/work.conf", pqConfig(t, pqPeerA)},
		zipFile{"sub/work.pqpk", good},
		zipFile{"plain.conf", pqConfig(t, pqPeerA)},
		zipFile{"bad.conf", pqConfig(t, pqPeerA)},
		zipFile{"bad.pqpk", pqKey(10)},
		zipFile{"big.conf", pqConfig(t, pqPeerA)},
		zipFile{"big.pqpk", pqKey(RosenpassPublicKeySize + 1)},
	)
	results := Import("b.zip", data)
	got := map[string]Result{}
	for _, r := range results {
		got[r.Source] = r
	}
	if len(results) != 5 {
		t.Fatalf("got %d results, want 5 (one per .conf): %+v", len(results), got)
	}
	for source, peer := range map[string]string{"b.zip:home.conf": pqPeerB, "b.zip:sub/work.conf": pqPeerA} {
		r := got[source]
		if r.Err != nil || r.Rosenpass == nil || r.Rosenpass.Peer.String() != peer || !bytes.Equal(r.Rosenpass.PublicKey, good) {
			t.Errorf("%s: err %v, rosenpass %+v, want paired with %s", source, r.Err, r.Rosenpass != nil, peer)
		}
	}
	if r := got["b.zip:plain.conf"]; r.Err != nil || r.Rosenpass != nil {
		t.Errorf("plain.conf: err %v, rosenpass %v, want a tunnel without Rosenpass", r.Err, r.Rosenpass != nil)
	}
	if r := got["b.zip:bad.conf"]; r.Config != nil || !strings.Contains(fmt.Sprint(r.Err), "b.zip:bad.pqpk") || !strings.Contains(errorText(r.Err), "10 bytes") {
		t.Errorf("bad.conf: err %v, want a failure naming b.zip:bad.pqpk and its size", r.Err)
	}
	if r := got["b.zip:big.conf"]; r.Config != nil || !strings.Contains(fmt.Sprint(r.Err), "b.zip:big.pqpk") {
		t.Errorf("big.conf: err %v, want a failure naming b.zip:big.pqpk", r.Err)
	}
}

func TestImportDirPairsRosenpassKeysWithTheirConfigs(t *testing.T) {
	fsys := fstest.MapFS{
		"home.conf":                  {Data: pqConfig(t, pqPeerA, pqPeerB)},
		"home.rosenpass-public/pqpk": {Data: pqKey(RosenpassPublicKeySize)},
		"home.rosenpass-public/wgpk": {Data: []byte(pqPeerA)},
		"two.conf":                   {Data: pqConfig(t, pqPeerA, pqPeerB)},
		"two.pqpk":                   {Data: pqKey(RosenpassPublicKeySize)},
		"notes.txt":                  {Data: []byte("hello")},
		"sub/deeper.conf":            {Data: pqConfig(t, pqPeerA)},
	}
	results := ImportDir("dir", fsys)
	if len(results) != 2 {
		t.Fatalf("got %d results, want 2 (the folder's own .conf files): %+v", len(results), results)
	}
	for _, r := range results {
		switch r.Name {
		case "home":
			if r.Err != nil || r.Rosenpass == nil || r.Rosenpass.Peer.String() != pqPeerA {
				t.Errorf("home: err %v, want paired with %s", r.Err, pqPeerA)
			}
		case "two":
			if r.Config != nil || !strings.Contains(fmt.Sprint(r.Err), "two.pqpk") || !strings.Contains(fmt.Sprint(r.Err), "2 peers and no wgpk") {
				t.Errorf("two: err %v, want the ambiguous-peer error naming two.pqpk", r.Err)
			}
		default:
			t.Errorf("unexpected result %+v", r)
		}
	}
	if r := ImportDir("empty", fstest.MapFS{"a.txt": {}}); len(r) != 1 || !strings.Contains(fmt.Sprint(r[0].Err), "no .conf file") {
		t.Errorf("folder without .conf: %+v", r)
	}
}
