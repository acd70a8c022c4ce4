package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/app/desktoptest"
)

// menuLabels polls the tray menu until want holds, failing after 20 s.
func menuLabels(t *testing.T, w *desktoptest.Watcher, item string, want func([]desktoptest.MenuItem) bool) []desktoptest.MenuItem {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		menu, err := w.Menu(item)
		if err == nil && want(menu) {
			return menu
		}
		if time.Now().After(deadline) {
			t.Fatalf("tray menu never matched: %+v (%v)", menu, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func labelled(menu []desktoptest.MenuItem, label string) (desktoptest.MenuItem, bool) {
	i := slices.IndexFunc(menu, func(m desktoptest.MenuItem) bool { return m.Visible && m.Label == label })
	if i < 0 {
		return desktoptest.MenuItem{}, false
	}
	return menu[i], true
}

func TestTrayMenuWorksOverDBusAndQuitEndsTheApp(t *testing.T) {
	d := newDesktop(t, false)
	w, err := desktoptest.Start(d.bus)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	g := startGUI(t, d.env("WGTRAY_SOCKET="+filepath.Join(t.TempDir(), "none.sock")), "--hidden")
	item, err := w.WaitItem(30 * time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, g.out)
	}
	menu := menuLabels(t, w, item, func(m []desktoptest.MenuItem) bool {
		_, down := labelled(m, "Service not running")
		_, quit := labelled(m, "Quit")
		return down && quit
	})
	for _, label := range []string{"Kill switch", "Open wgtray"} {
		if _, ok := labelled(menu, label); !ok {
			t.Errorf("menu lacks %q: %+v", label, menu)
		}
	}
	if ks, _ := labelled(menu, "Kill switch"); ks.Enabled {
		t.Error("the kill switch can be toggled without a service")
	}
	quit, _ := labelled(menu, "Quit")
	if err := w.Click(item, quit.ID); err != nil {
		t.Fatal(err)
	}
	if err := g.exited(t, 15*time.Second); err != nil {
		t.Fatalf("wgtray ended with %v:\n%s", err, g.out)
	}
}

func TestWithoutSessionBusTheWindowWorksWithoutTray(t *testing.T) {
	d := newDesktop(t, false)
	env := slices.DeleteFunc(d.env("WGTRAY_SOCKET="+filepath.Join(t.TempDir(), "none.sock")), func(kv string) bool {
		return strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=")
	})
	g := startGUI(t, env)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(g.out.String(), "there is no D-Bus session bus") {
		if time.Now().After(deadline) {
			t.Fatalf("no note about the missing tray:\n%s", g.out)
		}
		time.Sleep(100 * time.Millisecond)
	}
	select {
	case <-g.done:
		t.Fatalf("wgtray ended without a session bus: %v\n%s", g.err, g.out)
	case <-time.After(3 * time.Second):
	}
	if strings.Contains(g.out.String(), "panic") {
		t.Fatalf("wgtray panicked:\n%s", g.out)
	}
	g.cmd.Process.Kill()
	<-g.done
	if left := processesWithHome(d.home); len(left) > 0 {
		t.Fatalf("wgtray left processes behind (a dbus-launch daemon?): %v", left)
	}
}

// processesWithHome lists the processes running with HOME=home.
func processesWithHome(home string) []string {
	var out []string
	dirs, _ := filepath.Glob("/proc/[0-9]*")
	for _, dir := range dirs {
		env, err := os.ReadFile(filepath.Join(dir, "environ"))
		if err != nil {
			continue
		}
		if slices.Contains(strings.Split(string(env), "\x00"), "HOME="+home) {
			cmdline, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
			out = append(out, filepath.Base(dir)+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}
