//go:build !windows

package service

import (
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/wgtray/wgtray/platform/ipc"
)

// listenTest listens on a test's socket.
func listenTest(t testing.TB, path string) net.Listener {
	t.Helper()
	l, err := ipc.ListenIPC(path)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// testSocket is where a test's service listens: a unix socket in its
// directory.
func testSocket(dir string) string {
	return filepath.Join(dir, "run", "wgtray.sock")
}

func TestSocketIsNotForEveryone(t *testing.T) {
	dir := t.TempDir()
	h := startHarness(t, dir)
	fi, err := os.Stat(h.socket)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o007 != 0 {
		t.Errorf("socket mode %v lets everyone connect", fi.Mode().Perm())
	}
	// A second service on the same socket is refused; the first keeps it.
	if _, err := ipc.ListenIPC(h.socket); err == nil {
		t.Error("a second listener took over a live socket")
	}
	c, err := net.Dial("unix", h.socket)
	if err != nil {
		t.Fatalf("the first service lost its socket: %v", err)
	}
	c.Close()
}

// assertPrivateFile fails t unless only the service's user may read path.
func assertPrivateFile(t *testing.T, path string) {
	t.Helper()
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("%s: mode %v (%v), want 0600", path, fi.Mode().Perm(), err)
	}
}

// assertPrivateDir fails t unless only the service's user may open dir.
func assertPrivateDir(t *testing.T, dir string) {
	t.Helper()
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("%s: mode %v (%v), want 0700", dir, fi.Mode().Perm(), err)
	}
}
