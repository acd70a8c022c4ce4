//go:build unix

package app

import (
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/test"
)

// An export holds private keys: the file the save dialog chose ends up
// readable by its owner only, new or existing with another mode.
func TestExportFileIsOnlyForItsOwner(t *testing.T) {
	test.NewTempApp(t)
	dir := t.TempDir()
	existing := filepath.Join(dir, "old.zip")
	if err := os.WriteFile(existing, []byte("an older export"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(existing, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "new.conf"), existing} {
		w, err := storage.Writer(storage.NewFileURI(path))
		if err != nil {
			t.Fatal(err)
		}
		if err := writeExport(w, []byte("[Interface]\n")); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 || string(b) != "[Interface]\n" {
			t.Errorf("%s after the export: %v, %v, holding %q; want mode 0600 holding the export", filepath.Base(path), fi, err, b)
		}
	}
}
