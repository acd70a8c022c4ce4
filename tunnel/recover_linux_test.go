package tunnel_test

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtray/wgtray/tunnel"
)

// What Recover undoes goes to the logger it is given (the service's, which
// `wgtrayd logs` reads), not to the process's default logger. The record
// holds no rules, so undoing it changes nothing on this machine.
func TestRecoverLogsToTheServiceLogger(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "wgtlog0.network.json"), []byte(`{"interface":"wgtlog0","rules":[]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tunnel.Recover(dir, slog.New(slog.NewTextHandler(&buf, nil))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "interface=wgtlog0") {
		t.Errorf("the service's logger got %q, want the undone record of wgtlog0", buf.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "wgtlog0.network.json")); !os.IsNotExist(err) {
		t.Errorf("the record is still there after recovery: %v", err)
	}
}
