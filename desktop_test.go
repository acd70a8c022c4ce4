package main

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"github.com/wgtray/wgtray/internal/testbuild"
)

// The tests here run the real wgtray binary on a desktop of their own: an
// Xvfb display, a private D-Bus session bus and a gnome-keyring on it, so
// they neither depend on nor disturb the session they run in.

// binaries builds wgtray, wgtray-window (beside it, where the agent looks)
// and wgtrayd once per test run.
func binaries(t testing.TB) (agent, daemon string) {
	t.Helper()
	agent = testbuild.Binary(t, testbuild.Agent, "wgtray")
	testbuild.Binary(t, testbuild.Window, "wgtray-window")
	return agent, testbuild.Binary(t, testbuild.Daemon, "wgtrayd")
}

func TestMain(m *testing.M) { testbuild.Main(m) }

// session is a display, a session bus and a keyring for one test.
type session struct {
	display string // ":N"
	bus     string // the bus address
	home    string
}

// env is the environment for a program on this desktop.
func (d *session) env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME":
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "DISPLAY="+d.display, "DBUS_SESSION_BUS_ADDRESS="+d.bus, "HOME="+d.home,
		"XDG_RUNTIME_DIR="+filepath.Join(d.home, "run"), "LANG=C.UTF-8")
	return append(env, extra...)
}

// startDaemon runs a helper program until the test ends.
func startDaemon(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		// SIGTERM first: Xvfb then removes its lock file and socket, which
		// the next test's Xvfb may take over.
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
			return
		case <-time.After(2 * time.Second):
		}
		cmd.Process.Kill()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Errorf("%s did not exit", cmd.Path)
		}
	})
}

// newDesktop starts Xvfb, a dbus-daemon and, with keyring, an unlocked
// gnome-keyring serving the Secret Service on that bus.
func newDesktop(t testing.TB, keyring bool) *session {
	t.Helper()
	d := &session{home: t.TempDir()}
	if err := os.Mkdir(filepath.Join(d.home, "run"), 0o700); err != nil {
		t.Fatal(err)
	}

	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	xvfb := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x1024x24", "-nolisten", "tcp")
	xvfb.ExtraFiles = []*os.File{w}
	xlog := logFile(filepath.Join(d.home, "xvfb.log"))
	xout, err := os.Create(string(xlog))
	if err != nil {
		t.Fatal(err)
	}
	xvfb.Stderr = xout
	t.Cleanup(func() {
		xout.Close()
		if t.Failed() {
			t.Logf("Xvfb's output:\n%s", xlog)
		}
	})
	startDaemon(t, xvfb)
	w.Close()
	d.display = ":" + readLine(t, r, "Xvfb's display number")
	r.Close()

	dbusd := exec.Command("dbus-daemon", "--session", "--nofork", "--print-address=1")
	out, err := dbusd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	startDaemon(t, dbusd)
	d.bus = readLine(t, out, "dbus-daemon's address")

	if keyring {
		gk := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
		gk.Env = d.env()
		gk.Stdin = strings.NewReader("\n")
		startDaemon(t, gk)
		waitForName(t, d.bus, "org.freedesktop.secrets")
	}
	return d
}

func readLine(t testing.TB, r interface{ Read([]byte) (int, error) }, what string) string {
	t.Helper()
	lines := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(r).ReadString('\n')
		lines <- strings.TrimSpace(line)
	}()
	select {
	case line := <-lines:
		if line == "" {
			t.Fatalf("no %s", what)
		}
		return line
	case <-time.After(15 * time.Second):
		t.Fatalf("timed out reading %s", what)
	}
	return ""
}

// waitForName waits until a name has an owner on the bus.
func waitForName(t testing.TB, bus, name string) {
	t.Helper()
	conn, err := dbus.Connect(bus)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	deadline := time.Now().Add(15 * time.Second)
	for {
		var has bool
		err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has)
		if err == nil && has {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never appeared on the bus (%v)", name, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// gui is a running wgtray agent.
type gui struct {
	cmd  *exec.Cmd
	out  logFile
	done chan struct{}
	err  error
}

// logFile is where a program's output goes; String reads it.
type logFile string

func (f logFile) String() string {
	b, err := os.ReadFile(string(f))
	if err != nil {
		return err.Error()
	}
	return string(b)
}

// startGUI runs wgtray on the desktop; the test's end stops it.
func startGUI(t testing.TB, env []string, args ...string) *gui {
	t.Helper()
	bin, _ := binaries(t)
	out, err := os.Create(filepath.Join(t.TempDir(), "wgtray.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { out.Close() })
	g := &gui{cmd: exec.Command(bin, args...), out: logFile(out.Name()), done: make(chan struct{})}
	g.cmd.Env = env
	g.cmd.Stdout, g.cmd.Stderr = out, out
	if err := g.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { g.err = g.cmd.Wait(); close(g.done) }()
	t.Cleanup(func() {
		if t.Failed() {
			// SIGQUIT makes a Go program print its goroutines: where it is stuck.
			g.cmd.Process.Signal(syscall.SIGQUIT)
			select {
			case <-g.done:
			case <-time.After(2 * time.Second):
			}
		}
		// SIGTERM, so that the agent ends its window and waits for it:
		// killed, it left the window to end on its own when its input
		// closed, unwaited for; once the removal of the test's home then
		// found it not empty.
		g.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-g.done:
		case <-time.After(5 * time.Second):
			g.cmd.Process.Kill()
			<-g.done
		}
		if t.Failed() {
			t.Logf("wgtray output:\n%s", g.out)
		}
	})
	return g
}

// exited waits for wgtray to end and returns its error.
func (g *gui) exited(t testing.TB, timeout time.Duration) error {
	t.Helper()
	select {
	case <-g.done:
		return g.err
	case <-time.After(timeout):
		t.Fatalf("wgtray still runs after %v", timeout)
		return nil
	}
}

// screenshot saves a window, by its title, as a PNG.
func screenshot(t testing.TB, d *session, window, file string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("import", "-display", d.display, "-window", window, file)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("screenshot: %v\n%s", err, out)
	}
}
