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
// a private Xvfb (software GL): time from start to the window being mapped
// and painted, resident memory with the window shown and hidden, and the
// CPU seconds it uses in a minute hidden in the tray. Run it with
// -benchtime 1x; each iteration takes over a minute.
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

	var firstFrame time.Duration
	var shownRSS, hiddenRSS, hiddenCPU float64
	for range b.N {
		start := time.Now()
		g := startGUI(b, env)
		waitFor(b, 60*time.Second, "the window", func() bool { return viewable(d, "wgtray") })
		firstFrame += time.Since(start)
		time.Sleep(3 * time.Second)
		shownRSS += rssMB(b, g.cmd.Process.Pid)
		g.cmd.Process.Kill()
		<-g.done

		h := startGUI(b, env, "--hidden")
		time.Sleep(5 * time.Second) // started, connected, settled
		before := cpuSeconds(b, h.cmd.Process.Pid)
		time.Sleep(hiddenFor)
		hiddenCPU += cpuSeconds(b, h.cmd.Process.Pid) - before
		hiddenRSS += rssMB(b, h.cmd.Process.Pid)
		if viewable(d, "wgtray") {
			b.Fatal("--hidden shows the window although a tray is there")
		}
		h.cmd.Process.Kill()
		<-h.done
	}
	n := float64(b.N)
	b.ReportMetric(firstFrame.Seconds()*1000/n, "ms-to-first-frame")
	b.ReportMetric(shownRSS/n, "MB-RSS-shown")
	b.ReportMetric(hiddenRSS/n, "MB-RSS-hidden")
	b.ReportMetric(hiddenCPU/n, "CPU-s-per-60s-hidden")
}

// viewable reports whether a window of that title is mapped on the display.
func viewable(d *session, title string) bool {
	out, err := exec.Command("xwininfo", "-display", d.display, "-name", title).Output()
	return err == nil && strings.Contains(string(out), "Map State: IsViewable")
}

func rssMB(b *testing.B, pid int) float64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		b.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 64)
			if err != nil {
				b.Fatal(err)
			}
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}

// cpuSeconds is the user and system time of a process so far.
func cpuSeconds(b *testing.B, pid int) float64 {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// Fields after the parenthesised command name: utime is the 12th,
	// stime the 13th, in clock ticks of 1/100 s.
	fields := strings.Fields(string(data[strings.LastIndexByte(string(data), ')')+2:]))
	var ticks float64
	for _, f := range fields[11:13] {
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			b.Fatal(err)
		}
		ticks += v
	}
	return ticks / 100
}
