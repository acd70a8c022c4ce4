package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A file with problems is refused before the service is asked: every
// problem with its line, and nothing saved.
func TestEditFromAFileWithProblemsSavesNothing(t *testing.T) {
	file := filepath.Join(t.TempDir(), "office.conf")
	text := "[Interface]\nPrivateKey = cKH+sv9/LArr3SQG0YplqIBLSeqg+32BUyvb7Xd33WM=\nAddress = 10.0.0.1/33\n\n[Peer]\nPublicKey = GUCfGvDks4cB9R2vSsqaMTXTfHADz61NxBD0zM+Y5nI=\nPersistentKeepalive = soon\n"
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("WGTRAY_SOCKET", filepath.Join(t.TempDir(), "nobody-listens.sock"))
	for _, args := range [][]string{{"edit", "office", file}, {"edit", "office", "-"}} {
		code, _, stderr := runCLI(t, text, args...)
		if code != 1 || !strings.Contains(stderr, ":3: Address") || !strings.Contains(stderr, ":7: PersistentKeepalive") || !strings.Contains(stderr, "office not saved") {
			t.Errorf("wgtrayd %s: exit %d, stderr %q; want 1, each problem with its line, and not saved", strings.Join(args, " "), code, stderr)
		}
		if strings.Contains(stderr, "not running") {
			t.Errorf("wgtrayd %s asked the service about an invalid config: %q", strings.Join(args, " "), stderr)
		}
	}
	if code, _, stderr := runCLI(t, "", "edit"); code != 2 || !strings.Contains(stderr, "usage: wgtrayd edit") {
		t.Errorf("edit without a name: exit %d, %q", code, stderr)
	}
}
