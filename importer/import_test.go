package importer

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

// parseFile parses a config that must be valid.
func parseFile(t *testing.T, path string) *Config {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := Parse(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestImportDetectsTheKindByContentNotName(t *testing.T) {
	conf := readFile(t, "testdata/qr/wg0.conf")
	want := parseFile(t, "testdata/qr/wg0.conf")
	for _, tc := range []struct {
		filename string
		data     []byte
	}{
		{"wg0.png", conf}, // text named like an image
		{"wg0.conf", readFile(t, "testdata/qr/wg0.png")}, // an image named like a config
		{"wg0", readFile(t, "testdata/qr/wg0.png")},
	} {
		results := Import(tc.filename, tc.data)
		if len(results) != 1 || results[0].Err != nil || !reflect.DeepEqual(results[0].Config, want) {
			t.Errorf("Import(%s) = %+v, want wg0.conf's config", tc.filename, results)
			continue
		}
		if results[0].Name != "wg0" {
			t.Errorf("Import(%s) named the tunnel %q, want wg0", tc.filename, results[0].Name)
		}
	}
	results := Import("bundle.conf", readFile(t, "testdata/zip/bundle.zip"))
	if len(results) < 2 {
		t.Errorf("Import(a zip named bundle.conf) = %d results, want one per .conf entry", len(results))
	}
}

func TestImportNamesADescriptiveFileAfterIt(t *testing.T) {
	r := Import("my home vpn (2).conf", readFile(t, "testdata/qr/wg0.conf"))[0]
	if r.Config == nil || r.Err != nil || r.Name != "my-home-vpn-2" || !r.Derived {
		t.Fatalf("Import(my home vpn (2).conf) = %+v, want the config named my-home-vpn-2, derived", r)
	}
}

func TestImportReportsConfigErrorsWithFileAndLine(t *testing.T) {
	data := []byte("[Interface]\nPrivateKey = cKH+sv9/LArr3SQG0YplqIBLSeqg+32BUyvb7Xd33WM=\nAddress = 10.0.0.1/33\n")
	r := Import("bad.conf", data)[0]
	var errs Errors
	if r.Config != nil || !errors.As(r.Err, &errs) {
		t.Fatalf("Import(bad prefix) = %+v, want Errors", r)
	}
	if errs[0].File != "bad.conf" || errs[0].Line != 3 {
		t.Errorf("error %q names %s:%d, want bad.conf:3", errs[0], errs[0].File, errs[0].Line)
	}
}

func TestImportRefusesFilesLargerThanAnyImport(t *testing.T) {
	r := Import("huge.jpg", make([]byte, MaxImportSize+1))
	var errs Errors
	if len(r) != 1 || r[0].Config != nil || !errors.As(r[0].Err, &errs) || !strings.Contains(errs[0].Msg, "MiB") {
		t.Fatalf("Import(huge) = %+v, want one size error", r)
	}
}

func TestMarkDuplicatesIgnoresCaseAndKeepsTheFirst(t *testing.T) {
	cfg := parseFile(t, "testdata/qr/wg0.conf")
	results := []Result{
		{Source: "a/wg0.conf", Name: "wg0", Config: cfg},
		{Source: "broken/wg0.conf", Name: "wg0", Err: errors.New("broken")},
		{Source: "b/WG0.conf", Name: "WG0", Config: cfg},
		{Source: "wg1.conf", Name: "wg1", Config: cfg},
	}
	MarkDuplicates(results)
	var dup *DuplicateNameError
	if results[0].Err != nil || results[3].Err != nil {
		t.Errorf("first and unique names were marked: %v, %v", results[0].Err, results[3].Err)
	}
	if !errors.As(results[2].Err, &dup) || dup.First != "a/wg0.conf" {
		t.Errorf("b/WG0.conf: err %v, want a duplicate of a/wg0.conf", results[2].Err)
	}
	if results[1].Err.Error() != "broken" {
		t.Errorf("a broken result's error was replaced: %v", results[1].Err)
	}
}
