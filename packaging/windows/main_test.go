package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fakeWintun is a zip laid out like the Wintun release.
func fakeWintun(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte("content of " + n))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestPinnedWintunChecksumIsASHA256(t *testing.T) {
	if b, err := hex.DecodeString(wintunSHA256); err != nil || len(b) != sha256.Size {
		t.Fatalf("wintunSHA256 %q is not a hex SHA-256", wintunSHA256)
	}
}

func TestVerifyRefusesAnythingButThePinnedWintun(t *testing.T) {
	archive := fakeWintun(t, "wintun/bin/amd64/wintun.dll", "wintun/LICENSE.txt")
	sum := sha256.Sum256(archive)
	if err := verify(archive, hex.EncodeToString(sum[:])); err != nil {
		t.Errorf("verify refused the archive whose checksum is pinned: %v", err)
	}
	err := verify(append(archive, 0), hex.EncodeToString(sum[:]))
	if err == nil {
		t.Fatal("verify accepted an archive whose checksum is not the pinned one")
	}
	if !strings.Contains(err.Error(), hex.EncodeToString(sum[:])) {
		t.Errorf("the error does not name the pinned checksum: %v", err)
	}
}

func TestPackageHoldsBinariesWintunAndScripts(t *testing.T) {
	bin := t.TempDir()
	for _, exe := range []string{"wgtray.exe", "wgtray-window.exe", "wgtrayd.exe"} {
		if err := os.WriteFile(filepath.Join(bin, exe), []byte(exe), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir("../..")
	out := filepath.Join(t.TempDir(), "wgtray.zip")
	archive := fakeWintun(t, "wintun/bin/amd64/wintun.dll", "wintun/bin/arm64/wintun.dll", "wintun/LICENSE.txt", "wintun/include/wintun.h")
	if err := build(out, bin, "amd64", archive); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(out)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
		if f.Name == zipRoot+"wintun.dll" {
			r, _ := f.Open()
			var b bytes.Buffer
			b.ReadFrom(r)
			r.Close()
			if b.String() != "content of wintun/bin/amd64/wintun.dll" {
				t.Errorf("wintun.dll is %q, want the amd64 DLL", b.String())
			}
		}
	}
	slices.Sort(names)
	want := []string{"LICENSE-wintun.txt", "README.md", "install.ps1", "uninstall.ps1", "wgtray-window.exe", "wgtray.exe", "wgtrayd.exe", "wintun.dll"}
	for i := range want {
		want[i] = zipRoot + want[i]
	}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("the zip holds %v, want %v", names, want)
	}
}

func TestPackageNamesWhatTheWintunZipLacks(t *testing.T) {
	_, err := wintunFiles(fakeWintun(t, "wintun/bin/amd64/wintun.dll"), "arm64")
	if err == nil || !strings.Contains(err.Error(), "wintun/bin/arm64/wintun.dll") || !strings.Contains(err.Error(), "LICENSE.txt") {
		t.Errorf("want an error naming the missing DLL and licence, got %v", err)
	}
}
