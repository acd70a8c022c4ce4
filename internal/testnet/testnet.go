// Package testnet builds throwaway networks for end-to-end tests: network
// namespaces, veth links between them, a real WireGuard peer (Debian's
// wireguard-go configured with wg), and processes, including the test binary
// itself, running inside a namespace.
//
// Everything a test creates gets a random, machine-wide unique name (other
// test runs share the machine and /var/run/wireguard) and is removed by
// t.Cleanup, also when the test fails. The host's own namespace is never
// touched, and processes started in a namespace get no D-Bus system bus
// (so no systemd-resolved of the host), unless the test passes one.
//
// A typical test:
//
//	func TestSomething(t *testing.T) {
//		if testnet.Role() == "daemon" {
//			// This is the re-executed test binary inside the namespace.
//			var cfg myConfig
//			testnet.Payload(&cfg)
//			... bring something up ...
//			testnet.Send(status{Ready: true})
//			testnet.WaitForStop()
//			... tear it down, exit the test normally ...
//			return
//		}
//		testnet.RequireRoot(t)
//		client, server := testnet.NewNamespace(t), testnet.NewNamespace(t)
//		testnet.Connect(t, client, server, "10.99.0.1/24", "10.99.0.2/24")
//		peer := testnet.StartPeer(t, server, testnet.PeerConfig{...})
//		child := client.StartTest(t, "daemon", myConfig{...})
//		var st status
//		child.Receive(t, &st)
//		client.Run(t, "ping", "-c1", "-W2", "10.0.0.1")
//		child.Stop(t)
//	}
//
// Go cannot keep all of a process's threads in one namespace, so code under
// test runs in a child process started with `ip netns exec`: StartTest
// re-executes the current test binary, limited to the calling test, with
// Role set; Start runs any other program (for example `wgtrayd run`).
package testnet

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// commandTimeout bounds every helper command a test runs.
const commandTimeout = 30 * time.Second

// RequireRoot skips the test when it does not run as root: namespaces, veth
// links and TUN devices need it. CI runs as root.
func RequireRoot(t testing.TB) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to create network namespaces")
	}
}

// UniqueName returns prefix followed by random hex digits, at most 15
// characters in all, so it also serves as an interface name.
func UniqueName(prefix string) string {
	n := (15 - len(prefix)) / 2
	if n > 5 {
		n = 5
	}
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return prefix + hex.EncodeToString(b)
}

// Namespace is a network namespace the test created. Its loopback is up.
type Namespace struct {
	Name string
}

// NewNamespace creates a namespace that t.Cleanup deletes, after stopping
// every process started in it through this package.
func NewNamespace(t testing.TB) *Namespace {
	t.Helper()
	RequireRoot(t)
	sweepOnce.Do(sweepStaleNamespaces)
	ns := &Namespace{Name: UniqueName(namespacePrefix)}
	if out, err := run("ip", "netns", "add", ns.Name); err != nil {
		t.Fatalf("ip netns add %s: %v: %s", ns.Name, err, out)
	}
	t.Cleanup(func() {
		if out, err := run("ip", "netns", "del", ns.Name); err != nil {
			t.Errorf("ip netns del %s: %v: %s", ns.Name, err, out)
		}
		if err := os.RemoveAll(filepath.Join("/etc/netns", ns.Name)); err != nil {
			t.Errorf("remove /etc/netns/%s: %v", ns.Name, err)
		}
	})
	ns.Run(t, "ip", "link", "set", "lo", "up")
	return ns
}

// namespacePrefix starts the name of every namespace the tests make.
const namespacePrefix = "wgt"

// staleAfter is how old a test namespace must be to be another run's
// leftover: longer than any test binary may run (make test's -timeout).
const staleAfter = time.Hour

var sweepOnce sync.Once

// sweepStaleNamespaces deletes the test namespaces that a test binary which
// was killed (a timeout panic, a signal) could not clean up, so they do not
// pile up across runs. Namespaces of runs still under way are younger.
func sweepStaleNamespaces() {
	entries, err := os.ReadDir("/run/netns")
	if err != nil {
		return
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !strings.HasPrefix(e.Name(), namespacePrefix) || time.Since(info.ModTime()) < staleAfter {
			continue
		}
		run("ip", "netns", "del", e.Name())
		os.RemoveAll(filepath.Join("/etc/netns", e.Name()))
	}
}

// Exec runs a command inside the namespace and returns its combined output.
func (ns *Namespace) Exec(name string, args ...string) (string, error) {
	out, err := run("ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
	if err != nil {
		return string(out), fmt.Errorf("in %s: %s %s: %w: %s", ns.Name, name, strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// Run is Exec that fails the test on error.
func (ns *Namespace) Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := ns.Exec(name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Snapshot returns `ip addr`, `ip route` and `ip rule` of the namespace for
// both families and every routing table, to compare the state before and
// after something that must leave no trace.
func (ns *Namespace) Snapshot(t testing.TB) string {
	t.Helper()
	var b strings.Builder
	for _, args := range [][]string{
		{"-4", "addr"}, {"-6", "addr"},
		{"-4", "route", "show", "table", "all"}, {"-6", "route", "show", "table", "all"},
		{"-4", "rule"}, {"-6", "rule"},
		{"link"},
	} {
		fmt.Fprintf(&b, "$ ip %s\n%s", strings.Join(args, " "), ns.Run(t, "ip", args...))
	}
	return b.String()
}

// WriteEtc makes /etc/FILE (resolv.conf, hosts), as processes inside the
// namespace see it, a private file with content: `ip netns exec`
// bind-mounts /etc/netns/NAME/FILE over it. Call it before starting the
// processes that should see it; later rewrites in place are seen at once.
// It returns the file's path on the host, where a test can read or rewrite
// it, so the host's own /etc is never touched.
func (ns *Namespace) WriteEtc(t testing.TB, file, content string) string {
	t.Helper()
	dir := filepath.Join("/etc/netns", ns.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, file)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Connect links two namespaces with a veth pair and gives each end the
// addresses listed (prefixes such as "10.99.0.1/24" or "fd99::1/64"; pass
// them in pairs: a's, then b's, for each family). It returns the interface
// names in a and in b.
func Connect(t testing.TB, a, b *Namespace, addrs ...string) (aIf, bIf string) {
	t.Helper()
	if len(addrs)%2 != 0 {
		t.Fatal("testnet.Connect: addresses come in pairs")
	}
	aIf, bIf = UniqueName("va"), UniqueName("vb")
	if out, err := run("ip", "link", "add", aIf, "netns", a.Name, "type", "veth", "peer", "name", bIf, "netns", b.Name); err != nil {
		t.Fatalf("create veth pair: %v: %s", err, out)
	}
	for i, addr := range addrs {
		ns, dev := a, aIf
		if i%2 == 1 {
			ns, dev = b, bIf
		}
		p, err := netip.ParsePrefix(addr)
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"addr", "add", p.String(), "dev", dev}
		if p.Addr().Is6() {
			args = append(args, "nodad")
		}
		ns.Run(t, "ip", args...)
	}
	// Without duplicate address detection the link-local addresses are
	// final at once, so snapshots taken later compare equal.
	a.Run(t, "sysctl", "-qw", "net.ipv6.conf."+aIf+".accept_dad=0")
	b.Run(t, "sysctl", "-qw", "net.ipv6.conf."+bIf+".accept_dad=0")
	a.Run(t, "ip", "link", "set", aIf, "up")
	b.Run(t, "ip", "link", "set", bIf, "up")
	return aIf, bIf
}

// Process is a program running inside a namespace.
type Process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// noSystemBus keeps processes in test namespaces away from the host's D-Bus
// system bus: a systemd-resolved there would apply a test tunnel's DNS to
// the host's interface of the same index.
const noSystemBus = "DBUS_SYSTEM_BUS_ADDRESS=unix:path=/nonexistent/wgtray-test-has-no-system-bus"

// childEnv is the environment of processes started in a namespace: this
// process's, without the host's D-Bus system bus.
func childEnv() []string { return append(os.Environ(), noSystemBus) }

// Start runs a program inside the namespace, with this process's
// environment plus env, but never the host's D-Bus system bus (pass
// DBUS_SYSTEM_BUS_ADDRESS in env to give it one). t.Cleanup stops it (SIGTERM,
// then SIGKILL after 5 s) if the test has not stopped it already.
func (ns *Namespace) Start(t testing.TB, env []string, name string, args ...string) *Process {
	t.Helper()
	cmd := exec.Command("ip", append([]string{"netns", "exec", ns.Name, name}, args...)...)
	cmd.Env = append(childEnv(), env...)
	return startProcess(t, cmd)
}

func startProcess(t testing.TB, cmd *exec.Cmd) *Process {
	t.Helper()
	p := &Process{cmd: cmd, done: make(chan struct{})}
	if cmd.Stdout == nil {
		cmd.Stdout = &lockedWriter{w: new(bytes.Buffer)}
		cmd.Stderr = cmd.Stdout
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd, err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		if err := p.Stop(5 * time.Second); err != nil && !errors.Is(err, errAlreadyStopped) {
			t.Logf("%s: %v", cmd, err)
		}
	})
	return p
}

var errAlreadyStopped = errors.New("already stopped")

// Stop sends SIGTERM, waits up to grace for the exit, then kills the
// process. It returns the exit error, if any, with the output attached.
func (p *Process) Stop(grace time.Duration) error {
	select {
	case <-p.done:
		return p.exitErr()
	default:
	}
	_ = p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(grace):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	return p.exitErr()
}

// Wait waits up to timeout for the process to exit by itself.
func (p *Process) Wait(timeout time.Duration) error {
	select {
	case <-p.done:
		return p.exitErr()
	case <-time.After(timeout):
		return fmt.Errorf("%s still runs after %s", p.cmd, timeout)
	}
}

// Done is closed when the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Output is what the process wrote to stdout and stderr so far (for
// processes started with Start).
func (p *Process) Output() string {
	if lw, ok := p.cmd.Stdout.(*lockedWriter); ok {
		return lw.String()
	}
	return ""
}

// Pid is the process id of `ip netns exec`, which execs the program, so it
// is the program's pid.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

func (p *Process) exitErr() error {
	if p.err != nil {
		return fmt.Errorf("%s: %w\n%s", p.cmd, p.err, p.Output())
	}
	return nil
}

// run runs a helper command, bounded by commandTimeout.
func run(name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	return exec.CommandContext(ctx, name, args...).CombinedOutput()
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(b)
}

func (l *lockedWriter) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.String()
}
