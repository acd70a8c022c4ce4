package main

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/wgtray/wgtray/app/desktoptest"
	"github.com/wgtray/wgtray/assets"
	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/internal/testnet"
)

// Resident memory all wgtray processes together may keep with the window
// closed.
const hiddenRSSLimitMB = 25

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

// trayIconPixels is each state's icon as a tray host receives it (ARGB32).
func trayIconPixels(t testing.TB) map[assets.State][]byte {
	t.Helper()
	out := map[assets.State][]byte{}
	for _, st := range assets.States {
		img, _, err := image.Decode(bytes.NewReader(assets.PNG(assets.TrayIcon(st, 64))))
		if err != nil {
			t.Fatal(err)
		}
		var px []byte
		for y := range img.Bounds().Dy() {
			for x := range img.Bounds().Dx() {
				r, g, b, a := img.At(x, y).RGBA()
				px = append(px, byte(a), byte(r), byte(g), byte(b))
			}
		}
		out[st] = px
	}
	return out
}

// trayView reads what the tray shows: the icon's state and the tooltip.
type trayView struct {
	t     *testing.T
	w     *desktoptest.Watcher
	item  string
	icons map[assets.State][]byte
}

func (v trayView) read() (assets.State, string, error) {
	px, err := v.w.Icon(v.item)
	if err != nil {
		return 0, "", err
	}
	tip, title, err := v.w.Tooltip(v.item)
	if err != nil {
		return 0, "", err
	}
	if first, _, _ := strings.Cut(tip, "\n"); title != first {
		return 0, "", fmt.Errorf("title %q is not the tooltip's first line %q", title, first)
	}
	for st, want := range v.icons {
		if bytes.Equal(px, want) {
			return st, tip, nil
		}
	}
	return 0, tip, fmt.Errorf("the icon is none of the states' icons")
}

// within waits up to d for the tray to show icon with a tooltip that
// starts with tip, and fails the test otherwise.
func (v trayView) within(d time.Duration, what string, icon assets.State, tip string) {
	v.t.Helper()
	start := time.Now()
	for {
		st, got, err := v.read()
		if err == nil && st == icon && strings.HasPrefix(got, tip) {
			v.t.Logf("%s: shown after %v", what, time.Since(start).Round(time.Millisecond))
			return
		}
		if time.Since(start) > d {
			v.t.Fatalf("%s: after %v the tray shows icon %d, %q (%v); want icon %d, %q", what, d, st, got, err, icon, tip)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// leaves waits up to d for the tooltip to stop starting with tip.
func (v trayView) leaves(d time.Duration, what, tip string) {
	v.t.Helper()
	start := time.Now()
	for {
		_, got, err := v.read()
		if err == nil && !strings.HasPrefix(got, tip) {
			v.t.Logf("%s: shown after %v (%q)", what, time.Since(start).Round(time.Millisecond), got)
			return
		}
		if time.Since(start) > d {
			v.t.Fatalf("%s: after %v the tray still shows %q (%v)", what, d, got, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// cli runs the real command line as the test's user, with keys in a file.
func cli(t *testing.T, env []string, args ...string) error {
	t.Helper()
	_, daemon := binaries(t)
	cmd := exec.Command(daemon, append([]string{"--key-store=file"}, args...)...)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("wgtrayd %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return nil
}

// TestTrayAgentTellsTheTruthWithinASecond drives the real agent through a
// stand-in tray host: the icon and tooltip follow up and down done by the
// command line, a service restart (after which the agent sends the keys
// again), a failing tunnel, the network going away under a tunnel (and
// coming back) and a tunnel paused on a trusted network, each within a
// second; the menu holds every listed
// entry; a second start leaves one icon and opens the window; with the
// window closed the wgtray processes stay under 25 MB, without GL in the
// agent; Quit ends them all.
func TestTrayAgentTellsTheTruthWithinASecond(t *testing.T) {
	testnet.RequireRoot(t)
	d := newDesktop(t, false)
	watcher, err := desktoptest.Start(d.bus)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { watcher.Close() })

	svcNS, cfg := peerTunnel(t)
	base := t.TempDir()
	socket := filepath.Join(base, "run", "wgtray.sock")
	_, daemon := binaries(t)
	serviceEnv := []string{"WGTRAY_STATE_DIR=" + filepath.Join(base, "state"), "WGTRAY_SOCKET=" + socket}
	service := svcNS.Start(t, serviceEnv, daemon, "run")
	env := d.env("WGTRAY_SOCKET=" + socket)
	waitFor(t, 15*time.Second, "the service to answer", func() bool { return cli(t, env, "list") == nil })

	name := testnet.UniqueName("tray")
	conf := filepath.Join(t.TempDir(), name+".conf")
	if err := os.WriteFile(conf, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cli(t, env, "import", conf); err != nil {
		t.Fatal(err)
	}
	// A tunnel that fails: its endpoint's name does not resolve.
	broken := testnet.UniqueName("bad")
	badConf := filepath.Join(t.TempDir(), broken+".conf")
	badKey, _ := importer.GenerateKey()
	bad := fmt.Sprintf("[Interface]\nPrivateKey = %s\nAddress = 10.245.0.2/32\n\n[Peer]\nPublicKey = %s\nEndpoint = no-such-host.invalid:51820\nAllowedIPs = 10.245.0.1/32\n",
		badKey, cfg.Peers[0].PublicKey)
	if err := os.WriteFile(badConf, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cli(t, env, "import", badConf); err != nil {
		t.Fatal(err)
	}

	g := startGUI(t, env, "--hidden", "--key-store=file")
	// After the agent's start, so that it runs before the agent is stopped.
	t.Cleanup(func() {
		if t.Failed() {
			// SIGQUIT makes the service print its goroutines: where it is stuck.
			syscall.Kill(service.Pid(), syscall.SIGQUIT)
			service.Wait(2 * time.Second)
			t.Logf("wgtrayd output:\n%s", service.Output())
		}
	})
	item, err := watcher.WaitItem(30 * time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, g.out)
	}
	view := trayView{t: t, w: watcher, item: item, icons: trayIconPixels(t)}
	view.within(10*time.Second, "at start", assets.Idle, "wgtray: no tunnel is up")

	// The menu, as listed in the issue.
	menu := menuLabels(t, watcher, item, func(m []desktoptest.MenuItem) bool {
		_, ok := labelled(m, name)
		return ok
	})
	for _, label := range []string{name, broken, "Kill switch", "Open wgtray…", "Import tunnel(s) from file…", "Quit"} {
		if _, ok := labelled(menu, label); !ok {
			t.Errorf("the menu lacks %q: %+v", label, menu)
		}
	}
	ks, _ := labelled(menu, "Kill switch")
	var modes []string
	for _, c := range ks.Children {
		modes = append(modes, fmt.Sprintf("%s %v", c.Label, c.Checked))
	}
	if want := []string{"Off true", "Auto false", "Always false", "Allow LAN false"}; !slices.Equal(modes, want) {
		t.Errorf("kill switch submenu %v, want %v", modes, want)
	}

	// Up and down by the command line.
	if err := cli(t, env, "up", name); err != nil {
		t.Fatal(err)
	}
	view.within(time.Second, "up by the CLI", assets.Up, name+": connected, handshake")
	if err := cli(t, env, "down", name); err != nil {
		t.Fatal(err)
	}
	view.within(time.Second, "down by the CLI", assets.Idle, "wgtray: no tunnel is up")

	// A failing tunnel.
	if err := cli(t, env, "up", broken); err == nil {
		t.Fatalf("%s came up with an endpoint that does not resolve", broken)
	}
	view.within(time.Second, "a failed tunnel", assets.Error, broken+": failed: ")
	menuLabels(t, watcher, item, func(m []desktoptest.MenuItem) bool {
		return slices.ContainsFunc(m, func(it desktoptest.MenuItem) bool {
			return strings.HasPrefix(it.Label, broken+": failed: ") && !it.Checked
		})
	})
	if err := cli(t, env, "down", broken); err != nil {
		t.Fatal(err)
	}

	// The service restarts with the tunnel up: the agent sees it go and
	// come back, and sends the keys again.
	if err := cli(t, env, "up", name); err != nil {
		t.Fatal(err)
	}
	view.within(time.Second, "up again", assets.Up, name+": connected")
	if err := service.Stop(5 * time.Second); err != nil {
		t.Logf("service stop: %v", err)
	}
	view.within(time.Second, "the service gone", assets.Error, "wgtray: the service is not running")
	service = svcNS.Start(t, serviceEnv, daemon, "run")
	waitFor(t, 15*time.Second, "the service to answer again", func() bool { return cli(t, env, "list") == nil })
	view.leaves(time.Second, "the service back", "wgtray: the service is not running")
	view.within(3*time.Second, "the keys sent again", assets.Up, name+": connected, handshake")

	// The network goes away under the tunnel and comes back.
	link, _, _ := strings.Cut(strings.Fields(svcNS.Run(t, "ip", "-o", "link", "show", "type", "veth"))[1], "@")
	svcNS.Run(t, "ip", "link", "set", link, "down")
	view.within(time.Second, "the network gone", assets.Connecting, name+": waiting for the network")
	svcNS.Run(t, "ip", "link", "set", link, "up")
	view.within(2*time.Second, "the network back", assets.Up, name+": connected, handshake")

	// The laptop is on a network this machine trusts: a tunnel that runs
	// only on untrusted networks is paused, and the tray says so with the
	// network's name (idle: nothing is meant to run); it is back when the
	// network is no longer trusted.
	svcNS.Run(t, "ip", "route", "replace", "default", "via", netip.MustParsePrefix(e2ePeerVeth).Addr().String())
	if err := cli(t, env, "set", name, "networks=untrusted"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the service to know the network", func() bool {
		return cli(t, env, "trusted", "add", "current", "--name", "home") == nil
	})
	view.within(time.Second, "paused on a trusted network", assets.Idle, name+": paused, trusted network home")
	menuLabels(t, watcher, item, func(m []desktoptest.MenuItem) bool {
		return slices.ContainsFunc(m, func(it desktoptest.MenuItem) bool {
			return it.Label == name+": paused, trusted network home" && !it.Checked
		})
	})
	if err := cli(t, env, "trusted", "remove", "home"); err != nil {
		t.Fatal(err)
	}
	view.within(3*time.Second, "back up on an untrusted network", assets.Up, name+": connected")

	// A second start leaves one icon and shows the window.
	agent, _ := binaries(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	second := exec.CommandContext(ctx, agent, "--key-store=file")
	second.Env = env
	clicked := time.Now()
	if out, err := second.CombinedOutput(); err != nil {
		t.Fatalf("second start: %v\n%s", err, out)
	}
	waitFor(t, 10*time.Second, "the window", func() bool { return viewable(d, "wgtray") })
	t.Logf("second start to window shown: %v", time.Since(clicked).Round(time.Millisecond))
	if items := watcher.Items(); len(items) != 1 {
		t.Errorf("%d tray items registered, want 1: %v", len(items), items)
	}
	if n := len(wgtrayProcesses(t, d.home)); n != 2 {
		t.Errorf("%d wgtray processes with the window open, want the agent and the window", n)
	}

	// The window closes: memory is back under the target, without GL in
	// the agent.
	closeWindow(t, d, "wgtray")
	waitFor(t, 10*time.Second, "the window process to end", func() bool { return len(wgtrayProcesses(t, d.home)) == 1 })
	time.Sleep(time.Second)
	var rss float64
	for _, pid := range wgtrayProcesses(t, d.home) {
		rss += rssMB(t, pid)
		maps, err := os.ReadFile(fmt.Sprintf("/proc/%d/maps", pid))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(maps, []byte("libGL")) {
			t.Errorf("the agent (pid %d) has libGL mapped", pid)
		}
	}
	t.Logf("wgtray processes with the window closed: %.1f MB resident", rss)
	if rss > hiddenRSSLimitMB {
		t.Errorf("with the window closed wgtray keeps %.1f MB resident, more than %d MB", rss, hiddenRSSLimitMB)
	}

	// Open from the menu; the panel says when the menu opens, and the
	// agent starts the window process then.
	if err := watcher.Opened(item); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	menu = menuLabels(t, watcher, item, func(m []desktoptest.MenuItem) bool { _, ok := labelled(m, "Quit"); return ok })
	open, _ := labelled(menu, "Open wgtray…")
	clicked = time.Now()
	if err := watcher.Click(item, open.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the window from the menu", func() bool { return viewable(d, "wgtray") })
	t.Logf("Open clicked to window shown: %v", time.Since(clicked).Round(time.Millisecond))

	// Quit from the menu ends the agent and the window.
	quit, _ := labelled(menu, "Quit")
	if err := watcher.Click(item, quit.ID); err != nil {
		t.Fatal(err)
	}
	if err := g.exited(t, 10*time.Second); err != nil {
		t.Fatalf("wgtray ended with %v:\n%s", err, g.out)
	}
	waitFor(t, 5*time.Second, "every wgtray process to end", func() bool { return len(wgtrayProcesses(t, d.home)) == 0 })
}

// TestWithoutTrayHostTheWindowIsTheAppAndClosingItQuits: with no session
// bus, the window opens at start and says why there is no icon; closing
// it ends wgtray, and nothing (no dbus-launch daemon) is left behind.
func TestWithoutTrayHostTheWindowIsTheAppAndClosingItQuits(t *testing.T) {
	d := newDesktop(t, false)
	env := slices.DeleteFunc(d.env("WGTRAY_SOCKET="+filepath.Join(t.TempDir(), "none.sock")), func(kv string) bool {
		return strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=")
	})
	g := startGUI(t, env, "--hidden")
	waitFor(t, 20*time.Second, "the window", func() bool { return viewable(d, "wgtray") })
	if !strings.Contains(g.out.String(), "there is no D-Bus session bus") {
		t.Errorf("no note about the missing tray:\n%s", g.out)
	}
	closeWindow(t, d, "wgtray")
	if err := g.exited(t, 10*time.Second); err != nil {
		t.Fatalf("wgtray ended with %v:\n%s", err, g.out)
	}
	if strings.Contains(g.out.String(), "panic") {
		t.Fatalf("wgtray panicked:\n%s", g.out)
	}
	waitFor(t, 5*time.Second, "nothing left behind", func() bool { return len(processesWithHome(d.home)) == 0 })
}

// closeWindow ends the window of that title the way a desktop's close
// button would when the app does not answer: the X server drops it.
func closeWindow(t testing.TB, d *session, title string) {
	t.Helper()
	out, err := exec.Command("xwininfo", "-display", d.display, "-name", title).Output()
	if err != nil {
		t.Fatalf("xwininfo: %v", err)
	}
	_, rest, ok := strings.Cut(string(out), "Window id: ")
	if !ok {
		t.Fatalf("no window id in %s", out)
	}
	id, _, _ := strings.Cut(rest, " ")
	if out, err := exec.Command("xkill", "-display", d.display, "-id", id).CombinedOutput(); err != nil {
		t.Fatalf("xkill: %v\n%s", err, out)
	}
}

// wgtrayProcesses lists the pids of wgtray and wgtray-window running with
// HOME=home.
func wgtrayProcesses(t testing.TB, home string) []int {
	t.Helper()
	var pids []int
	for _, p := range processesWithHome(home) {
		pid, cmdline, _ := strings.Cut(p, ": ")
		exe := filepath.Base(strings.Fields(cmdline + " x")[0])
		if exe == "wgtray" || exe == "wgtray-window" {
			n, _ := strconv.Atoi(pid)
			pids = append(pids, n)
		}
	}
	return pids
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
			if state, _ := os.ReadFile(filepath.Join(dir, "stat")); bytes.Contains(state, []byte(") Z ")) {
				continue // a zombie, ended
			}
			out = append(out, filepath.Base(dir)+": "+strings.ReplaceAll(string(cmdline), "\x00", " "))
		}
	}
	return out
}
