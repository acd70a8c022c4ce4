//go:build unix

package atomicfile

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Whatever was at the path, the file ends up with the asked mode and the
// new content, and a reader that opened the old file keeps the old content.
func TestWriteReplacesWithModeAndLeavesOldReadersTheOldFile(t *testing.T) {
	dir := t.TempDir()
	existing := filepath.Join(dir, "old.conf")
	if err := os.WriteFile(existing, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(existing, 0o644); err != nil {
		t.Fatal(err)
	}
	early, err := os.Open(existing)
	if err != nil {
		t.Fatal(err)
	}
	defer early.Close()
	for _, c := range []struct {
		path string
		perm os.FileMode
	}{{filepath.Join(dir, "new.conf"), 0o644}, {existing, 0o600}} {
		if err := Write(c.path, []byte("[Interface]\n"), c.perm); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != c.perm {
			t.Errorf("%s has mode %#o, want %#o", filepath.Base(c.path), mode, c.perm)
		}
		if b, _ := os.ReadFile(c.path); string(b) != "[Interface]\n" {
			t.Errorf("%s holds %q", filepath.Base(c.path), b)
		}
	}
	if b, _ := io.ReadAll(early); string(b) != "old\n" {
		t.Errorf("a descriptor opened before reads %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the folder holds %d files, want 2 (no temporary file left)", len(entries))
	}
}

// A write that fails leaves the old file and no temporary file behind.
func TestWriteThatFailsLeavesNothingBehind(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "taken")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "x"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	err := Write(target, []byte("new"), 0o600)
	if err == nil || !strings.Contains(err.Error(), target) {
		t.Fatalf("Write over a directory = %v, want an error naming %s", err, target)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the folder holds %d entries, want only the directory", len(entries))
	}
}
