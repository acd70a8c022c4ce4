package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/app/desktoptest"
	"github.com/wgtray/wgtray/internal/testnet"
)

// hiddenFor is how long the hidden app's CPU time is measured.
const hiddenFor = 60 * time.Second

// BenchmarkDesktopApp measures the real wgtray against the real service on
// a private Xvfb (software GL) with a stand-in tray host: resident memory
// of every wgtray process with the window closed, the CPU seconds they use
// in a minute hidden in the tray, the time from a click on "Open wgtray…"
// to the window being mapped (the menu opened a second before, as a
// panel reports it), the same from a second start of wgtray (the window
// process started cold), and the memory of all of them with the window
// shown. Run it with -benchtime 1x; each iteration takes over a minute.
func BenchmarkDesktopApp(b *testing.B) {
	testnet.RequireRoot(b)
	binaries(b)
	d := newDesktop(b, true)
	watcher, err := desktoptest.Start(d.bus)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { watcher.Close() })
	socket, _, _ := startService(b, testnet.NewNamespace(b))
	env := d.env("WGTRAY_SOCKET=" + socket)

	var clickToWindow, coldToWindow time.Duration
	var shownRSS, hiddenRSS, hiddenCPU float64
	for range b.N {
		g := startGUI(b, env, "--hidden")
		item, err := watcher.WaitItem(30 * time.Second)
		if err != nil {
			b.Fatalf("%v\n%s", err, g.out)
		}
		time.Sleep(5 * time.Second) // started, connected, settled
		pids := wgtrayProcesses(b, d.home)
		before := 0.0
		for _, pid := range pids {
			before += cpuSeconds(b, pid)
		}
		time.Sleep(hiddenFor)
		for _, pid := range pids {
			hiddenCPU += cpuSeconds(b, pid)
			hiddenRSS += rssMB(b, pid)
		}
		hiddenCPU -= before
		if viewable(d, "wgtray") {
			b.Fatal("--hidden shows the window although a tray is there")
		}

		var open int32
		waitFor(b, 10*time.Second, "the menu", func() bool {
			menu, err := watcher.Menu(item)
			for _, m := range menu {
				if m.Label == "Open wgtray…" {
					open = m.ID
				}
			}
			return err == nil && open != 0
		})
		if err := watcher.Opened(item); err != nil {
			b.Fatal(err)
		}
		time.Sleep(time.Second) // the user finds the entry
		start := time.Now()
		if err := watcher.Click(item, open); err != nil {
			b.Fatal(err)
		}
		waitFor(b, 30*time.Second, "the window", func() bool { return viewable(d, "wgtray") })
		clickToWindow += time.Since(start)
		time.Sleep(3 * time.Second)
		for _, pid := range wgtrayProcesses(b, d.home) {
			shownRSS += rssMB(b, pid)
		}
		closeWindow(b, d, "wgtray")
		waitFor(b, 10*time.Second, "the window to end", func() bool { return len(wgtrayProcesses(b, d.home)) == 1 })

		agent, _ := binaries(b)
		second := exec.Command(agent)
		second.Env = env
		start = time.Now()
		if out, err := second.CombinedOutput(); err != nil {
			b.Fatalf("second start: %v\n%s", err, out)
		}
		waitFor(b, 30*time.Second, "the window", func() bool { return viewable(d, "wgtray") })
		coldToWindow += time.Since(start)
		g.cmd.Process.Kill()
		<-g.done
		waitFor(b, 10*time.Second, "the window to end with the agent", func() bool { return len(wgtrayProcesses(b, d.home)) == 0 })
	}
	n := float64(b.N)
	b.ReportMetric(hiddenRSS/n, "MB-RSS-hidden")
	b.ReportMetric(hiddenCPU/n, "CPU-s-per-60s-hidden")
	b.ReportMetric(clickToWindow.Seconds()*1000/n, "ms-click-to-window")
	b.ReportMetric(coldToWindow.Seconds()*1000/n, "ms-second-start-to-window")
	b.ReportMetric(shownRSS/n, "MB-RSS-shown")
}

// viewable reports whether a window of that title is mapped on the display.
func viewable(d *session, title string) bool {
	out, err := exec.Command("xwininfo", "-display", d.display, "-name", title).Output()
	return err == nil && strings.Contains(string(out), "Map State: IsViewable")
}

func rssMB(t testing.TB, pid int) float64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb / 1024
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// cpuSeconds is the user and system time of a process so far.
func cpuSeconds(t testing.TB, pid int) float64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	// Fields after the parenthesised command name: utime is the 12th,
	// stime the 13th, in clock ticks of 1/100 s.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	var ticks float64
	for _, f := range fields[11:13] {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			t.Fatal(err)
		}
		ticks += v
	}
	return ticks / 100
}
