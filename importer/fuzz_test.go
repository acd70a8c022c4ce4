package importer

import (
	"bytes"
	"image"
	"testing"
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
