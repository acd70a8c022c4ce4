package testnet

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"
)

// StartBus runs a private dbus-daemon (session configuration) that
// t.Cleanup stops, and returns its address. A test that owns a system
// service's name on it (org.freedesktop.resolve1, NetworkManager) and sets
// DBUS_SYSTEM_BUS_ADDRESS to it stands in for that service.
func StartBus(t testing.TB) string {
	t.Helper()
	cmd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("dbus-daemon printed no address: %v", err)
	}
	return strings.TrimSpace(line)
}
