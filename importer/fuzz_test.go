package importer

import (
	"bytes"
	"image"
	"strings"
	"testing"
	"testing/fstest"
)

// checkResults holds for every Import: at least one Result, each with a
// Source and either a config or an error.
func checkResults(t *testing.T, results []Result) {
	t.Helper()
	if len(results) == 0 {
		t.Fatal("Import returned no result")
	}
	for _, r := range results {
		if r.Source == "" || (r.Config == nil && r.Err == nil) {
			t.Fatalf("result %+v has no source, or neither a config nor an error", r)
		}
	}
}

// FuzzZip feeds ReadZip and Import arbitrary archives (seeds in
// testdata/fuzz/FuzzZip). Neither may panic, and what they return stays
// within the bundle limits however the archive lies.
func FuzzZip(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := ReadZip(data)
		if err == nil && len(entries) == 0 {
			t.Fatal("ReadZip returned neither entries nor an error")
		}
		total := 0
		for _, e := range entries {
			if e.Err != nil && e.Data != nil || len(e.Data) > MaxConfigSize {
				t.Fatalf("entry %q: %d bytes with error %v", e.Name, len(e.Data), e.Err)
			}
			total += len(e.Data)
		}
		if total > MaxBundleTotal {
			t.Fatalf("entries hold %d bytes, more than MaxBundleTotal", total)
		}
		checkResults(t, Import("fuzz.zip", data))
	})
}

// fuzzMaxPixels keeps each FuzzImage run within milliseconds, as every
// strategy of DecodeQR runs on an image without a code: larger images take
// the same code path, only slower (the size cap itself has its own test).
// The seeds are a QR code of a small config at 2 pixels per module, as PNG
// (qrencode -s 2 -m 2), GIF and JPEG, and a 1×1 PNG.
const fuzzMaxPixels = 128 * 128

// FuzzImage feeds Import arbitrary images (seeds in
// testdata/fuzz/FuzzImage): decoding, the QR reader and the parse of what
// it finds must not panic.
func FuzzImage(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(data)); err == nil && int64(cfg.Width)*int64(cfg.Height) > fuzzMaxPixels {
			t.Skip("large image")
		}
		checkResults(t, Import("fuzz.png", data))
	})
}

// FuzzRosenpassPairing feeds the pairing of a Rosenpass key with its peer
// an arbitrary config, key size and wgpk, through ImportDir as a folder
// would hold them. Nothing may panic; a paired key is always of the right
// size and belongs to a peer of the config, and a failure names the file.
func FuzzRosenpassPairing(f *testing.F) {
	conf := "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n\n[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\nAllowedIPs = 0.0.0.0/0\n"
	f.Add([]byte(conf), uint32(RosenpassPublicKeySize), []byte("xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"), true)
	f.Add([]byte(conf), uint32(RosenpassPublicKeySize), []byte(nil), false)
	f.Add([]byte(conf+conf[strings.Index(conf, "[Peer]"):]), uint32(12), []byte("junk"), true)
	f.Fuzz(func(t *testing.T, conf []byte, keySize uint32, wgpk []byte, inFolder bool) {
		pqpk := make([]byte, keySize%(RosenpassPublicKeySize+2))
		fsys := fstest.MapFS{"t.conf": {Data: conf}}
		pqpkName := "t.pqpk"
		if inFolder {
			pqpkName = "t.rosenpass-public/pqpk"
			fsys["t.rosenpass-public/wgpk"] = &fstest.MapFile{Data: wgpk}
		}
		fsys[pqpkName] = &fstest.MapFile{Data: pqpk}
		results := ImportDir("dir", fsys)
		checkResults(t, results)
		for _, r := range results {
			if r.Rosenpass == nil {
				if r.Config == nil && r.Err == nil {
					t.Fatalf("result %+v has neither a config nor an error", r)
				}
				continue
			}
			if len(r.Rosenpass.PublicKey) != RosenpassPublicKeySize || r.Config == nil {
				t.Fatalf("paired a %d-byte key, config %v", len(r.Rosenpass.PublicKey), r.Config != nil)
			}
			found := false
			for _, p := range r.Config.Peers {
				found = found || p.PublicKey == r.Rosenpass.Peer
			}
			if !found {
				t.Fatalf("paired with %s, which is no peer of the config", r.Rosenpass.Peer)
			}
		}
		if cfg, err := Parse("t.conf", conf); err == nil {
			if _, err := PairRosenpassKey("t.pqpk", cfg, pqpk, wgpk); err != nil && !strings.HasPrefix(err.Error(), "t.pqpk: ") {
				t.Fatalf("error %q does not name the file", err)
			}
		}
	})
}
