//go:build linux

// Package keyringtest runs a real Secret Service for tests: gnome-keyring,
// unlocked, in a private D-Bus session, optionally as another user.
package keyringtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Start runs dbus-run-session with an unlocked gnome-keyring as user (the
// current user when empty) with home as its HOME, which that user must own,
// and returns the session's bus address. t.Cleanup ends the session.
func Start(t testing.TB, user, home string) string {
	t.Helper()
	busFile := filepath.Join(home, "dbus-address")
	script := "echo | gnome-keyring-daemon --unlock --components=secrets >/dev/null; " +
		"echo \"$DBUS_SESSION_BUS_ADDRESS\" > " + busFile + ".tmp && mv " + busFile + ".tmp " + busFile + "; exec sleep 900"
	// The session's directories are all in home: a runtime or cache
	// directory inherited from the caller (sudo from a desktop, a CI cache)
	// belongs to someone else, and gnome-keyring would fail to start there.
	args := []string{"env", "-u", "XDG_RUNTIME_DIR", "HOME=" + home,
		"XDG_DATA_HOME=" + filepath.Join(home, ".local", "share"),
		"XDG_CONFIG_HOME=" + filepath.Join(home, ".config"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"dbus-run-session", "--", "sh", "-c", script}
	if user != "" {
		args = append([]string{"runuser", "-u", user, "--"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = home
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start a D-Bus session with gnome-keyring: %v", err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	})
	deadline := time.Now().Add(15 * time.Second)
	for {
		if b, err := os.ReadFile(busFile); err == nil && len(strings.TrimSpace(string(b))) > 0 {
			return strings.TrimSpace(string(b))
		}
		select {
		case <-done:
			t.Fatal("the D-Bus session with gnome-keyring ended at once")
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("gnome-keyring did not start within 15 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
