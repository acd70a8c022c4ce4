package testnet

import (
	"bufio"
	"os/exec"
	"strings"
	"testing"

	"github.com/godbus/dbus/v5"
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

// StartLogind runs a private bus (StartBus) with a stand-in logind on it,
// which owns org.freedesktop.login1; it returns the bus's address and a
// function that sends logind's PrepareForSleep signal (true before a
// sleep, false after the resume).
func StartLogind(t testing.TB) (bus string, prepareForSleep func(sleeping bool)) {
	t.Helper()
	bus = StartBus(t)
	conn := connect(t, bus)
	own(t, conn, "org.freedesktop.login1")
	return bus, func(sleeping bool) {
		t.Helper()
		if err := conn.Emit("/org/freedesktop/login1", "org.freedesktop.login1.Manager.PrepareForSleep", sleeping); err != nil {
			t.Fatalf("send PrepareForSleep: %v", err)
		}
	}
}

// connect is a connection to the test bus at addr, closed by t.Cleanup.
func connect(t testing.TB, addr string) *dbus.Conn {
	t.Helper()
	conn, err := dbus.Connect(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// own makes conn the owner of name on its bus.
func own(t testing.TB, conn *dbus.Conn, name string) {
	t.Helper()
	if reply, err := conn.RequestName(name, dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		t.Fatalf("own %s on the test bus: %v %v", name, reply, err)
	}
}
