// Command windows builds the Windows package: a zip that holds both
// binaries, wintun.dll and the install and uninstall scripts (see
// README.md beside this file).
//
//	go run ./packaging/windows -bin bin -o dist -version v1.2.0 [-wintun-zip FILE]
//
// wintun.dll is in no Go module: it comes from wintun.net in a zip whose
// SHA-256 is pinned here, downloaded during packaging or handed over with
// -wintun-zip; a zip with any other checksum is refused.
package main

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// The pinned Wintun release. To move to a newer one, check its release
// notes and signature at https://www.wintun.net and pin its zip's SHA-256.
const (
	wintunURL    = "https://www.wintun.net/builds/wintun-0.14.1.zip"
	wintunSHA256 = "07c256185d6ee3652e09fa55c0b673e2624b565e02c4b9091c79ca7d2f24ef51"
)

// zipRoot is the folder the zip unpacks to.
const zipRoot = "wgtray/"

func main() {
	bin := flag.String("bin", "bin", "directory with wgtray.exe, wgtray-window.exe and wgtrayd.exe")
	out := flag.String("o", "dist", "directory that receives the zip (and caches the Wintun download)")
	version := flag.String("version", "dev", "version in the zip's name")
	arch := flag.String("arch", "amd64", "Windows architecture of the binaries: amd64 or arm64")
	wintunZip := flag.String("wintun-zip", "", "a wintun-0.14.1.zip downloaded elsewhere, instead of downloading it")
	flag.Parse()

	wintun, err := wintunArchive(*wintunZip, filepath.Join(*out, filepath.Base(wintunURL)))
	if err == nil {
		err = verify(wintun, wintunSHA256)
	}
	var path string
	if err == nil {
		path = filepath.Join(*out, fmt.Sprintf("wgtray-%s-windows-%s.zip", *version, *arch))
		err = build(path, *bin, *arch, wintun)
	}
	if err != nil {
		log.Fatalf("package for Windows: %v", err)
	}
	fmt.Println("created package:", path)
}

// wintunArchive reads the Wintun zip from local when given, else from the
// cache, else downloads it into the cache.
func wintunArchive(local, cache string) ([]byte, error) {
	if local != "" {
		b, err := os.ReadFile(local)
		if err != nil {
			return nil, fmt.Errorf("read the Wintun zip: %w", err)
		}
		return b, nil
	}
	if b, err := os.ReadFile(cache); err == nil && verify(b, wintunSHA256) == nil {
		return b, nil
	}
	b, err := download(wintunURL)
	if err != nil {
		return nil, fmt.Errorf("download %s: %w; where wintun.net cannot be reached, download it elsewhere and pass -wintun-zip FILE (make package-windows WINTUN_ZIP=FILE)", wintunURL, err)
	}
	if err := os.MkdirAll(filepath.Dir(cache), 0o755); err != nil {
		return nil, fmt.Errorf("cache the Wintun zip: %w", err)
	}
	if err := os.WriteFile(cache, b, 0o644); err != nil {
		return nil, fmt.Errorf("cache the Wintun zip: %w", err)
	}
	return b, nil
}

func download(url string) ([]byte, error) {
	c := http.Client{Timeout: 2 * time.Minute}
	resp, err := c.Get(url)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("server answered %s", resp.Status)
	}
	return io.ReadAll(io.LimitReader(resp.Body, 64<<20))
}

// verify refuses any archive but the pinned one.
func verify(archive []byte, want string) error {
	sum := sha256.Sum256(archive)
	if got := hex.EncodeToString(sum[:]); got != want {
		return fmt.Errorf("the Wintun zip has SHA-256 %s, but %s is pinned: it is not the release this package was made for (a corrupt or tampered download, or a different version); delete it and download %s again", got, want, wintunURL)
	}
	return nil
}

// payload is one file of the package: where it comes from and its name in
// the zip.
type payload struct {
	name string
	data []byte
}

func build(path, bin, arch string, wintun []byte) error {
	files, err := wintunFiles(wintun, arch)
	if err != nil {
		return err
	}
	for _, exe := range []string{"wgtray.exe", "wgtray-window.exe", "wgtrayd.exe"} {
		b, err := os.ReadFile(filepath.Join(bin, exe))
		if err != nil {
			return fmt.Errorf("%w (build it first: make cross)", err)
		}
		files = append(files, payload{exe, b})
	}
	for _, script := range []string{"install.ps1", "uninstall.ps1", "README.md"} {
		b, err := os.ReadFile(filepath.Join("packaging", "windows", script))
		if err != nil {
			return fmt.Errorf("%w (run from the repository's root)", err)
		}
		files = append(files, payload{script, b})
	}

	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(zipRoot + f.name)
		if err != nil {
			return err
		}
		if _, err := w.Write(f.data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// wintunFiles takes the DLL for arch and Wintun's licence out of its zip.
func wintunFiles(archive []byte, arch string) ([]payload, error) {
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		return nil, fmt.Errorf("open the Wintun zip: %w", err)
	}
	want := map[string]string{
		"wintun/bin/" + arch + "/wintun.dll": "wintun.dll",
		"wintun/LICENSE.txt":                 "LICENSE-wintun.txt",
	}
	var files []payload
	for _, f := range zr.File {
		name, ok := want[f.Name]
		if !ok {
			continue
		}
		r, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("read %s from the Wintun zip: %w", f.Name, err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s from the Wintun zip: %w", f.Name, err)
		}
		files = append(files, payload{name, b})
		delete(want, f.Name)
	}
	if len(want) > 0 {
		missing := slices.Sorted(maps.Keys(want))
		return nil, fmt.Errorf("the Wintun zip has no %s", strings.Join(missing, ", "))
	}
	return files, nil
}
