package importer

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"hash/crc32"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// zipFile is one entry for makeZip.
type zipFile struct {
	name string
	data []byte
}

// makeZip builds an archive in memory, its entries stored uncompressed.
func makeZip(t *testing.T, files ...zipFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, f := range files {
		fw, err := w.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// errorText is the one message of a failed Result or entry.
func errorText(err error) string {
	var errs Errors
	if errors.As(err, &errs) && len(errs) == 1 {
		return errs[0].Msg
	}
	if err == nil {
		return ""
	}
	return err.Error()
}

// addDeflated adds an entry of data, compressed once by the caller into
// compressed, whose header claims size bytes uncompressed.
func addDeflated(t *testing.T, w *zip.Writer, name string, data, compressed []byte, size uint64) {
	t.Helper()
	raw, err := w.CreateRaw(&zip.FileHeader{
		Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(len(compressed)), UncompressedSize64: size,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := raw.Write(compressed); err != nil {
		t.Fatal(err)
	}
}

func deflate(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	fw.Close()
	return buf.Bytes()
}

func TestImportBundleGivesOneResultPerConfFile(t *testing.T) {
	results := Import("mullvad.zip", readFile(t, "testdata/zip/bundle.zip"))
	src := func(name string) *Config { return parseFile(t, filepath.Join("testdata/zip/src", name)) }
	want := []struct {
		entry, name string
		config      *Config
		err         string // part of the error, "" for none
	}{
		// README.txt, folders and __MACOSX/us/._us-nyc-wg-301.conf are skipped.
		{"broken/se-sto-wg-002.conf", "se-sto-wg-002", nil, "mullvad.zip:broken/se-sto-wg-002.conf:10: Endpoint:"},
		{"old/se-sto-wg-001.conf", "se-sto-wg-001", src("old/se-sto-wg-001.conf"), ""},
		{"se-sto-wg-001.conf", "se-sto-wg-001", src("se-sto-wg-001.conf"), `"se-sto-wg-001" is already taken by mullvad.zip:old/se-sto-wg-001.conf`},
		{"us/us-nyc-wg-301.conf", "us-nyc-wg-301", src("us/us-nyc-wg-301.conf"), ""},
		{"us/us-nyc-wg-302.conf", "us-nyc-wg-302", src("us/us-nyc-wg-302.conf"), ""},
	}
	if len(results) != len(want) {
		t.Fatalf("Import(bundle.zip) gave %d results, want %d: %+v", len(results), len(want), results)
	}
	for i, w := range want {
		r := results[i]
		if r.Source != "mullvad.zip:"+w.entry || r.Name != w.name {
			t.Errorf("result %d: source %q name %q, want mullvad.zip:%s and %s", i, r.Source, r.Name, w.entry, w.name)
		}
		if !reflect.DeepEqual(r.Config, w.config) {
			t.Errorf("%s: config differs from the file in src/:\n%v", w.entry, r.Config)
		}
		switch {
		case w.err == "" && r.Err != nil:
			t.Errorf("%s: unexpected error %v", w.entry, r.Err)
		case w.err != "" && (r.Err == nil || !strings.Contains(r.Err.Error(), w.err)):
			t.Errorf("%s: error %v, want one containing %q", w.entry, r.Err, w.err)
		}
	}
}

func TestImportBundleReportsEncryptedEntriesAndReadsTheRest(t *testing.T) {
	results := Import("encrypted.zip", readFile(t, "testdata/zip/encrypted.zip"))
	if len(results) != 2 {
		t.Fatalf("got %d results, want 2", len(results))
	}
	if r := results[0]; r.Config != nil || !strings.Contains(errorText(r.Err), "encrypted") || r.Source != "encrypted.zip:se-sto-wg-001.conf" {
		t.Errorf("encrypted entry: %+v, want an error saying it is encrypted", r)
	}
	if r := results[1]; r.Err != nil || r.Config == nil {
		t.Errorf("plain entry after the encrypted one: %+v, want its config", r)
	}
}

// TestReadZipStopsZipBombs protects against entries that decompress to far
// more than a config, whether the header says so (cut off by ReadZip at
// MaxConfigSize) or lies about it (caught by archive/zip): either way the
// entry fails and the entries after it are still read.
func TestReadZipStopsZipBombs(t *testing.T) {
	conf := readFile(t, "testdata/qr/wg0.conf")
	bomb := bytes.Repeat([]byte(" "), 4*MaxConfigSize)
	compressed := deflate(t, bomb)

	for _, tc := range []struct {
		header uint64 // the uncompressed size the header claims
		want   string
	}{
		{uint64(len(bomb)), "too big for a WireGuard config"},
		{300, "damaged"},
	} {
		var buf bytes.Buffer
		w := zip.NewWriter(&buf)
		addDeflated(t, w, "bomb.conf", bomb, compressed, tc.header)
		good, err := w.Create("wg0.conf")
		if err != nil {
			t.Fatal(err)
		}
		good.Write(conf)
		w.Close()

		entries, err := ReadZip(buf.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 2 || entries[0].Data != nil || !strings.Contains(errorText(entries[0].Err), tc.want) {
			t.Fatalf("bomb with header size %d: %v, want an error containing %q", tc.header, entries[0].Err, tc.want)
		}
		if entries[1].Err != nil || !bytes.Equal(entries[1].Data, conf) {
			t.Errorf("entry after the bomb: %v, want wg0.conf", entries[1].Err)
		}
	}
}

func TestReadZipLimitsTheTotalDecompressedSize(t *testing.T) {
	filler := bytes.Repeat([]byte("#"), MaxConfigSize)
	compressed := deflate(t, filler)
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	n := MaxBundleTotal/MaxConfigSize + 2
	for i := range n {
		addDeflated(t, w, strings.Repeat("x", i+1)+".conf", filler, compressed, uint64(len(filler)))
	}
	w.Close()
	entries, err := ReadZip(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != n {
		t.Fatalf("got %d entries, want %d", len(entries), n)
	}
	for i, e := range entries {
		overBudget := strings.Contains(errorText(e.Err), "together")
		if i < MaxBundleTotal/MaxConfigSize && (e.Err != nil || len(e.Data) != MaxConfigSize) {
			t.Errorf("entry %d within the budget: %v", i, e.Err)
		}
		if i >= MaxBundleTotal/MaxConfigSize && (!overBudget || e.Data != nil) {
			t.Errorf("entry %d beyond the budget: %v, want the total-size error", i, e.Err)
		}
	}
}

func TestReadZipRefusesTooManyEntries(t *testing.T) {
	files := make([]zipFile, MaxBundleEntries+1)
	for i := range files {
		files[i] = zipFile{name: strings.Repeat("d/", i%7) + string(rune('a'+i%26)) + ".txt"}
	}
	_, err := ReadZip(makeZip(t, files...))
	if err == nil || !strings.Contains(err.Error(), "entries") {
		t.Fatalf("ReadZip(%d entries) = %v, want an error about the count", len(files), err)
	}
}

func TestReadZipRefusesBundlesLargerThanTheLimit(t *testing.T) {
	data := append([]byte("PK\x03\x04"), make([]byte, MaxBundleSize)...)
	r := Import("big.zip", data)
	if len(r) != 1 || !strings.Contains(errorText(r[0].Err), "MiB") {
		t.Fatalf("Import(big zip) = %+v, want a size error", r)
	}
}

func TestReadZipReadsStoredEntriesAndRejectsUnknownMethods(t *testing.T) {
	conf := readFile(t, "testdata/qr/wg0.conf")
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	stored, err := w.CreateHeader(&zip.FileHeader{Name: "stored.conf", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	stored.Write(conf)
	bzip2, err := w.CreateRaw(&zip.FileHeader{Name: "bzip2.conf", Method: 12, CompressedSize64: 4, UncompressedSize64: 4})
	if err != nil {
		t.Fatal(err)
	}
	bzip2.Write([]byte("BZh9"))
	w.Close()

	entries, err := ReadZip(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 || !bytes.Equal(entries[0].Data, conf) {
		t.Fatalf("stored entry: %+v, want wg0.conf", entries)
	}
	if !strings.Contains(errorText(entries[1].Err), "method 12") {
		t.Errorf("bzip2 entry: %v, want an unsupported-method error", entries[1].Err)
	}
}

func TestReadZipSaysWhatABundleWithoutConfFilesHolds(t *testing.T) {
	for _, tc := range []struct {
		files []zipFile
		want  string
	}{
		{nil, "it is empty"},
		{[]zipFile{{"README.txt", nil}, {"__MACOSX/._wg0.conf", nil}, {"wg0.png", nil}}, "it holds only README.txt, wg0.png"},
	} {
		_, err := ReadZip(makeZip(t, tc.files...))
		if err == nil || !strings.Contains(err.Error(), "no .conf file ("+tc.want+")") {
			t.Errorf("ReadZip(%v) = %v, want an error saying %q", tc.files, err, tc.want)
		}
	}
}

func TestImportSaysWhenAZipIsDamaged(t *testing.T) {
	data := readFile(t, "testdata/zip/bundle.zip")
	r := Import("bundle.zip", data[:len(data)-30])
	if len(r) != 1 || r[0].Source != "bundle.zip" || !strings.Contains(errorText(r[0].Err), "not a readable .zip file") {
		t.Fatalf("Import(truncated zip) = %+v, want one error for the file", r)
	}
}

func TestImportBundleEntryNamesIgnoreFoldersAndBackslashes(t *testing.T) {
	conf := readFile(t, "testdata/qr/wg0.conf")
	results := Import("b.zip", makeZip(t,
		zipFile{`windows\folder\home.CONF`, conf},
		zipFile{"../../etc/office.conf", conf},
	))
	if len(results) != 2 || results[0].Name != "home" || results[1].Name != "office" {
		t.Fatalf("names: %+v, want home and office", results)
	}
	for _, r := range results {
		if r.Err != nil {
			t.Errorf("%s: %v", r.Source, r.Err)
		}
	}
}
