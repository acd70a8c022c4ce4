//go:build unix

package client

import (
	"io"
	"os"
	"path/filepath"
	"testing"
)

// An export or key file holds private keys: whatever was at the path, the
// file ends up readable by its owner only, and a reader that opened the
// old file while it was readable does not get the keys.
func TestWriteSecretFileIsOnlyForItsOwner(t *testing.T) {
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
	for _, path := range []string{filepath.Join(dir, "new.conf"), existing} {
		if err := WriteSecretFile(path, []byte("[Interface]\n")); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if mode := fi.Mode().Perm(); mode != 0o600 {
			t.Errorf("%s has mode %#o, want 0600", filepath.Base(path), mode)
		}
		if b, _ := os.ReadFile(path); string(b) != "[Interface]\n" {
			t.Errorf("%s holds %q", filepath.Base(path), b)
		}
	}
	if b, _ := io.ReadAll(early); string(b) != "old\n" {
		t.Errorf("a descriptor opened before reads %q", b)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Errorf("the folder holds %d files, want 2 (no temporary file left)", len(entries))
	}
}
