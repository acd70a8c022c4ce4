package service_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/internal/testbuild"
	"github.com/wgtray/wgtray/internal/testnet"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
	"github.com/wgtray/wgtray/service/client/keyringtest"
)

// Addresses inside the namespaces the tests create.
const (
	serviceVeth = "10.231.0.2/24"
	peerVeth    = "10.231.0.1/24"
)

// wgtrayd builds the service binary once per test run.
func wgtrayd(t testing.TB) string {
	t.Helper()
	return testbuild.Binary(t, testbuild.Daemon, "wgtrayd")
}

func TestMain(m *testing.M) { testbuild.Main(m) }

// lab is the service in one namespace, a WireGuard peer in another, and the
// users who talk to the service.
type lab struct {
	t      testing.TB
	bin    string
	base   string // 0755, holds state, socket and the users' homes
	state  string
	socket string
	svcNS  *testnet.Namespace
	peerNS *testnet.Namespace
	peer   *testnet.Peer
	// peerLink is the peer namespace's end of the link to the service.
	peerLink string
	service  *testnet.Process
	root     *client.Client
	// earlier is the output of service processes that were killed.
	earlier string
}

func newLab(t testing.TB) *lab {
	t.Helper()
	return newLabOf(t, wgtrayd(t))
}

// newLabOf is newLab with the service binary bin.
func newLabOf(t testing.TB, bin string) *lab {
	t.Helper()
	l := newServiceLabOf(t, bin)
	l.peerNS = testnet.NewNamespace(t)
	_, l.peerLink = testnet.Connect(t, l.svcNS, l.peerNS, serviceVeth, peerVeth)
	l.peer = testnet.StartPeer(t, l.peerNS, testnet.PeerConfig{Addresses: []string{"10.232.0.1/24"}})
	return l
}

// newServiceLab is the service alone in its namespace.
func newServiceLab(t testing.TB) *lab {
	t.Helper()
	return newServiceLabOf(t, wgtrayd(t))
}

func newServiceLabOf(t testing.TB, bin string) *lab {
	t.Helper()
	testnet.RequireRoot(t)
	l := &lab{t: t, bin: bin}
	base, err := os.MkdirTemp("", "wgtray-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(base) })
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	l.base = base
	l.state = filepath.Join(base, "state")
	l.socket = filepath.Join(base, "run", "wgtray.sock")
	l.svcNS = testnet.NewNamespace(t)
	l.svcNS.WriteEtc(t, "resolv.conf", "nameserver 192.0.2.53\n")
	l.root = client.New(l.socket, client.FileKeyStore(filepath.Join(base, "root-keys")))
	ensureGroup(t) // before the service starts: it gives its socket to the group
	l.start()
	return l
}

// start runs wgtrayd in the service namespace and waits until it answers.
func (l *lab) start() {
	l.t.Helper()
	l.service = l.svcNS.Start(l.t, []string{"WGTRAY_STATE_DIR=" + l.state, "WGTRAY_SOCKET=" + l.socket}, l.bin, "run")
	deadline := time.Now().Add(15 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := l.root.Version(ctx)
		cancel()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("wgtrayd does not answer: %v\n%s", err, l.service.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// kill9 kills the service the hard way.
func (l *lab) kill9() {
	l.t.Helper()
	if err := syscall.Kill(l.service.Pid(), syscall.SIGKILL); err != nil {
		l.t.Fatal(err)
	}
	select {
	case <-l.service.Done():
	case <-time.After(10 * time.Second):
		l.t.Fatal("wgtrayd survived SIGKILL")
	}
	l.earlier += l.service.Output()
}

// peerConfig is a config for the lab's peer with its own address n,
// routing allowed through the tunnel.
func (l *lab) peerConfig(t testing.TB, n int, allowed string, psk bool) *importer.Config {
	t.Helper()
	key, err := importer.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	addr := netip.MustParsePrefix(fmt.Sprintf("10.232.0.%d/32", n+10))
	cfg := &importer.Config{
		Interface: importer.Interface{PrivateKey: key, Addresses: []netip.Prefix{addr}},
		Peers: []importer.Peer{{
			PublicKey:           l.peer.PublicKey,
			Endpoint:            l.peer.Endpoint(netip.MustParsePrefix(peerVeth).Addr().String()),
			AllowedIPs:          []netip.Prefix{netip.MustParsePrefix(allowed)},
			PersistentKeepalive: 1,
		}},
	}
	l.peer.AddPeer(t, key.Public(), []string{addr.String()})
	if psk {
		k, err := importer.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		cfg.Peers[0].PresharedKey = k
		file := filepath.Join(t.TempDir(), "psk")
		if err := os.WriteFile(file, []byte(k.String()+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		l.peerNS.Run(t, "wg", "set", l.peer.Interface, "peer", key.Public().String(), "preshared-key", file)
	}
	return cfg
}

// testUser is a local account created for the test, with its own D-Bus
// session and gnome-keyring when it needs a keyring.
type testUser struct {
	name string
	home string
	bus  string
	l    *lab
}

var groupOnce sync.Once

// ensureGroup creates the group wgtray when it is missing. It stays: other
// tests running at the same time may rely on it.
func ensureGroup(t testing.TB) {
	t.Helper()
	groupOnce.Do(func() {
		if _, err := user.LookupGroup("wgtray"); err == nil {
			return
		}
		_ = exec.Command("groupadd", "--system", "wgtray").Run()
	})
	if _, err := user.LookupGroup("wgtray"); err != nil {
		t.Fatalf("group wgtray: %v", err)
	}
}

func (l *lab) newUser(t *testing.T, prefix string, operator, keyring bool) *testUser {
	t.Helper()
	u := &testUser{name: testnet.UniqueName(prefix), l: l}
	u.home = filepath.Join(l.base, u.name)
	args := []string{"-M", "-d", u.home, "-s", "/bin/sh", "-K", "MAIL_DIR=/nonexistent"}
	if operator {
		ensureGroup(t)
		args = append(args, "-G", "wgtray")
	}
	if out, err := exec.Command("useradd", append(args, u.name)...).CombinedOutput(); err != nil {
		t.Fatalf("useradd: %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("userdel", u.name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v: %s", u.name, err, out)
		}
	})
	if err := os.Mkdir(u.home, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chown", u.name+":", u.home).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v: %s", err, out)
	}
	if keyring {
		u.startKeyring(t)
	}
	return u
}

// startKeyring runs a D-Bus session with an unlocked gnome-keyring as the
// user, for as long as the test runs.
func (u *testUser) startKeyring(t *testing.T) {
	t.Helper()
	u.bus = keyringtest.Start(t, u.name, u.home)
}

// run runs a command as the user, with the user's session and the lab's
// socket, and returns its stdout, stderr and error.
func (u *testUser) run(t *testing.T, name string, args ...string) (string, string, error) {
	t.Helper()
	env := []string{"env", "-i", "HOME=" + u.home, "PATH=/usr/bin:/bin:/usr/sbin:/sbin", "WGTRAY_SOCKET=" + u.l.socket}
	if u.bus != "" {
		env = append(env, "DBUS_SESSION_BUS_ADDRESS="+u.bus)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "runuser", append([]string{"-u", u.name, "--"}, append(append(env, name), args...)...)...)
	cmd.Dir = u.home
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}

// wgtrayd runs the command line as the user and fails the test on error.
func (u *testUser) wgtrayd(t *testing.T, args ...string) string {
	t.Helper()
	out, errOut, err := u.run(t, u.l.bin, args...)
	if err != nil {
		t.Fatalf("%s: wgtrayd %s: %v\nstdout: %s\nstderr: %s\nservice log:\n%s", u.name, strings.Join(args, " "), err, out, errOut, u.l.service.Output())
	}
	return out
}

// writeFile writes a file the user owns.
func (u *testUser) writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(u.home, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chown", u.name+":", path).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v: %s", err, out)
	}
	return path
}

func (u *testUser) status(t *testing.T, name string) api.TunnelStatus {
	t.Helper()
	var st api.Status
	if err := json.Unmarshal([]byte(u.wgtrayd(t, "status", name, "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Tunnels) != 1 {
		t.Fatalf("status %s: %d tunnels", name, len(st.Tunnels))
	}
	return st.Tunnels[0]
}

// curl asks the API as the user and returns the HTTP status (0 when no
// connection could be made) and the body.
func (u *testUser) curl(t *testing.T, method, path, body string) (int, string) {
	t.Helper()
	args := []string{"-s", "-m", "10", "-o", "-", "-w", "\n%{http_code}", "--unix-socket", u.l.socket, "-X", method}
	if body != "" {
		args = append(args, "-H", "Content-Type: application/json", "--data-binary", body)
	}
	out, _, _ := u.run(t, "curl", append(args, "http://wgtrayd"+path)...)
	i := strings.LastIndexByte(out, '\n')
	if i < 0 {
		return 0, out
	}
	var code int
	fmt.Sscanf(out[i+1:], "%d", &code)
	return code, out[:i]
}

// everyEndpoint is every method and path of the API, for authorization
// checks.
func everyEndpoint(name string) [][3]string {
	return [][3]string{
		{"GET", "/v1/version", ""},
		{"GET", "/v1/tunnels", ""},
		{"POST", "/v1/tunnels", `{"name":"x","config":"","public_key":""}`},
		{"GET", "/v1/tunnels/" + name, ""},
		{"PUT", "/v1/tunnels/" + name, `{"config":"","public_key":""}`},
		{"DELETE", "/v1/tunnels/" + name, ""},
		{"POST", "/v1/tunnels/" + name + "/rename", `{"name":"x"}`},
		{"POST", "/v1/tunnels/" + name + "/up", `{"private_key":"` + strings.Repeat("A", 43) + `="}`},
		{"POST", "/v1/tunnels/" + name + "/down", ""},
		{"GET", "/v1/tunnels/" + name + "/status", ""},
		{"GET", "/v1/status", ""},
		{"GET", "/v1/events", ""},
		{"GET", "/v1/logs", ""},
		{"GET", "/v1/killswitch", ""},
		{"PUT", "/v1/killswitch", `{"mode":"off","allow_lan":false}`},
		{"GET", "/v1/nothing-here", ""},
	}
}

// TestServiceEndToEndAsOperatorWithKeyring is the whole life of a tunnel as
// an unprivileged member of the group wgtray whose keys live in a real
// gnome-keyring: import, up with a handshake and traffic both ways, down,
// export gives the original back, remove deletes the keyring entry. Along
// the way: other users see nothing they should not, the private key is
// nowhere in the service's files, log or answers, and kill -9 plus a
// restart keep the tunnel and the settings.
func TestServiceEndToEndAsOperatorWithKeyring(t *testing.T) {
	l := newLab(t)
	op := l.newUser(t, "wgop", true, true)
	other := l.newUser(t, "wgo2", true, false)
	outsider := l.newUser(t, "wgno", false, false)

	name := testnet.UniqueName("e2e")
	cfg := l.peerConfig(t, 1, "10.232.0.1/32", true)
	original := cfg.String()
	private := cfg.Interface.PrivateKey
	secrets := []string{private.String(), private.Hex(), cfg.Peers[0].PresharedKey.String(), cfg.Peers[0].PresharedKey.Hex()}
	path := op.writeFile(t, name+".conf", original)

	op.wgtrayd(t, "import", path)
	if out, _, err := op.run(t, "secret-tool", "lookup", "service", "wgtray", "username", name); err != nil || !strings.Contains(out, private.String()) {
		t.Fatalf("the private key is not in the user's keyring after import (err %v)", err)
	}

	op.wgtrayd(t, "up", name)
	if !l.svcNS.Pings("10.232.0.1") {
		t.Fatalf("no ping through the tunnel\n%s", l.service.Output())
	}
	st := waitForTraffic(t, op, name)
	if out := op.wgtrayd(t, "status", name); !strings.Contains(out, "latest handshake:") || !strings.Contains(out, "transfer:") {
		t.Errorf("status for people shows no handshake or transfer:\n%s", out)
	}
	if out := op.wgtrayd(t, "logs"); !strings.Contains(out, "tunnel up") {
		t.Errorf("wgtrayd logs does not show the tunnel coming up:\n%s", out)
	}
	if st.Interface == nil || st.Interface.PublicKey != private.Public().String() {
		t.Errorf("status interface = %+v, want public key %s", st.Interface, private.Public())
	}

	t.Run("OtherOperatorSeesOnlyNameAndState", func(t *testing.T) {
		var answers []string
		code, body := other.curl(t, "GET", "/v1/tunnels/"+name, "")
		answers = append(answers, body)
		var tun api.Tunnel
		if err := json.Unmarshal([]byte(body), &tun); code != 200 || err != nil {
			t.Fatalf("GET tunnel as another operator: %d %s", code, body)
		}
		if tun != (api.Tunnel{Name: name, State: api.StateUp}) {
			t.Errorf("another operator sees %+v, want only name and state", tun)
		}
		code, body = other.curl(t, "GET", "/v1/status", "")
		answers = append(answers, body)
		if code != 200 || strings.Contains(body, "public_key") {
			t.Errorf("status as another operator shows details: %d %s", code, body)
		}
		for _, e := range [][3]string{
			{"POST", "/v1/tunnels/" + name + "/down", ""},
			{"DELETE", "/v1/tunnels/" + name, ""},
			{"PUT", "/v1/tunnels/" + name, `{"config":"[Interface]\nAddress = 10.9.9.9/32\n","public_key":"` + private.Public().String() + `"}`},
		} {
			code, body := other.curl(t, e[0], e[1], e[2])
			answers = append(answers, body)
			if code != http.StatusForbidden {
				t.Errorf("%s %s as another operator: %d %s, want 403", e[0], e[1], code, body)
			}
		}
		code, body = other.curl(t, "GET", "/v1/logs", "")
		answers = append(answers, body)
		if code != 200 || strings.Contains(body, `"tunnel":"`+name+`"`) {
			t.Errorf("the log shows another operator this tunnel's entries: %d %s", code, body)
		}
		if !strings.Contains(body, "wgtrayd ready") {
			t.Errorf("the log hides the service's own entries from an operator: %s", body)
		}
		code, body = other.curl(t, "GET", "/v1/tunnels", "")
		answers = append(answers, body)
		events, _, _ := other.run(t, "curl", "-sN", "-m", "2", "--unix-socket", l.socket, "http://wgtrayd/v1/events")
		answers = append(answers, events)
		if !strings.Contains(events, `"name":"`+name+`"`) || strings.Contains(events, `"config"`) || strings.Contains(events, `"owner"`) {
			t.Errorf("the event stream shows another operator more than name and state:\n%s", events)
		}
		for _, a := range answers {
			for _, s := range secrets {
				if strings.Contains(a, s) {
					t.Errorf("an answer to another operator holds a secret: %s", a)
				}
			}
		}
		if code != 200 {
			t.Errorf("list as another operator: %d", code)
		}
	})

	t.Run("OutsiderGetsNothing", func(t *testing.T) {
		for _, e := range everyEndpoint(name) {
			if code, body := outsider.curl(t, e[0], e[1], e[2]); code != 0 && code != http.StatusForbidden {
				t.Errorf("%s %s as a user outside the group: %d %s, want 403 or no connection", e[0], e[1], code, body)
			}
		}
		if _, _, err := outsider.run(t, l.bin, "list"); err == nil {
			t.Error("wgtrayd list as a user outside the group succeeded")
		}
		// With the socket opened to everyone, the service itself refuses.
		dir := filepath.Dir(l.socket)
		fi, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(l.socket, 0o666); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(dir, fi.Mode().Perm())
		defer os.Chmod(l.socket, 0o660)
		for _, e := range everyEndpoint(name) {
			if code, body := outsider.curl(t, e[0], e[1], e[2]); code != http.StatusForbidden {
				t.Errorf("%s %s as a user outside the group on an open socket: %d %s, want 403", e[0], e[1], code, body)
			}
		}
	})

	op.wgtrayd(t, "killswitch", "auto", "--allow-lan=true")
	l.kill9()
	l.start()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tun, err := l.root.Get(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	if !tun.NeedsKeys || tun.State != api.StateFailed {
		t.Errorf("after kill -9 and restart the tunnel is %s (needs keys %t), want failed and waiting for keys", tun.State, tun.NeedsKeys)
	}
	ks, err := l.root.KillSwitch(ctx)
	if err != nil || ks.Mode != api.KillSwitchAuto || !ks.AllowLAN {
		t.Errorf("kill switch after restart: %+v %v, want auto with LAN", ks, err)
	}
	op.wgtrayd(t, "up", name)
	waitForTraffic(t, op, name)
	op.wgtrayd(t, "killswitch", "off")

	op.wgtrayd(t, "down", name)
	if st := op.status(t, name); st.State != api.StateDown {
		t.Errorf("after down the tunnel is %s", st.State)
	}
	if got := op.wgtrayd(t, "export", name); got != original {
		t.Errorf("export differs from the imported config:\n got: %s\nwant: %s", got, original)
	}

	logs, err := l.root.Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	logText, _ := json.Marshal(logs)
	places := map[string]string{"service output": l.earlier + l.service.Output(), "API log": string(logText)}
	filepath.WalkDir(l.state, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			places[p] = string(b)
		}
		return nil
	})
	for where, text := range places {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("a secret appears in %s", where)
			}
		}
	}

	op.wgtrayd(t, "remove", name)
	if out, _, err := op.run(t, "secret-tool", "lookup", "service", "wgtray", "username", name); err == nil || out != "" {
		t.Errorf("the keyring still holds the tunnel's keys after remove")
	}
	if _, err := l.root.Get(ctx, name); !client.IsCode(err, api.CodeNotFound) {
		t.Errorf("after remove, Get = %v, want not found", err)
	}
}

// waitForTraffic polls status until the tunnel has a handshake and bytes
// both ways.
func waitForTraffic(t *testing.T, u *testUser, name string) api.TunnelStatus {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		st := u.status(t, name)
		if len(st.Peers) == 1 && st.Peers[0].LatestHandshake != nil && st.Peers[0].RxBytes > 0 && st.Peers[0].TxBytes > 0 {
			if st.State != api.StateUp {
				t.Errorf("state %s with traffic", st.State)
			}
			return st
		}
		if time.Now().After(deadline) {
			t.Fatalf("no handshake and traffic both ways: %+v\n%s", st, u.l.service.Output())
		}
		u.l.svcNS.Pings("10.232.0.1")
		time.Sleep(200 * time.Millisecond)
	}
}

// TestConcurrentTogglesEndConsistent has twenty clients bring the same
// tunnels up and down at once; afterwards every tunnel's state matches its
// interface, and after bringing them all down no interface is left.
func TestConcurrentTogglesEndConsistent(t *testing.T) {
	l := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var names []string
	for i := range 3 {
		name := testnet.UniqueName("cct")
		if _, err := l.root.Import(ctx, name, l.peerConfig(t, 20+i, fmt.Sprintf("10.233.%d.0/24", i), false)); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	// A tunnel whose routes overlap another's cannot come up beside it.
	overlapping := testnet.UniqueName("cco")
	if _, err := l.root.Import(ctx, overlapping, l.peerConfig(t, 30, "10.233.0.128/25", false)); err != nil {
		t.Fatal(err)
	}
	if _, err := l.root.Up(ctx, names[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := l.root.Up(ctx, overlapping); !client.IsCode(err, api.CodeConflict) {
		t.Errorf("up of an overlapping tunnel: %v, want a conflict", err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 20*10)
	for c := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := client.New(l.socket, client.FileKeyStore(filepath.Join(l.base, "root-keys")))
			r := rand.New(rand.NewPCG(uint64(c), 7))
			for range 10 {
				name := names[r.IntN(len(names))]
				var err error
				if r.IntN(2) == 0 {
					_, err = cl.Up(ctx, name)
				} else {
					_, err = cl.Down(ctx, name)
				}
				// An up that a concurrent down interrupts is a conflict.
				if err != nil && !client.IsCode(err, api.CodeConflict) {
					errs <- fmt.Errorf("%s: %w", name, err)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	st, err := l.root.Status(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, ts := range st.Tunnels {
		_, linkErr := l.svcNS.Exec("ip", "link", "show", ts.Name)
		if (ts.State == api.StateUp) != (linkErr == nil) {
			t.Errorf("tunnel %s is %s but its interface exists: %t", ts.Name, ts.State, linkErr == nil)
		}
		if ts.State != api.StateUp && ts.State != api.StateDown {
			t.Errorf("tunnel %s ended %s (%s)", ts.Name, ts.State, ts.Error)
		}
	}
	for _, name := range names {
		if _, err := l.root.Down(ctx, name); err != nil {
			t.Error(err)
		}
	}
	links := l.svcNS.Run(t, "ip", "-o", "link", "show")
	for _, name := range names {
		if strings.Contains(links, name) {
			t.Errorf("interface %s leaked:\n%s", name, links)
		}
	}
}

// TestServiceSurvivesBadClients sends malformed JSON, huge bodies, slow
// clients and unknown paths; the service answers each with a 4xx JSON
// error and keeps answering others, also while slow clients hang on.
func TestServiceSurvivesBadClients(t *testing.T) {
	l := newLab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dial := func() net.Conn {
		c, err := net.Dial("unix", l.socket)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	raw := func(req string) string {
		c := dial()
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.WriteString(c, req); err != nil {
			return "write: " + err.Error()
		}
		b, _ := io.ReadAll(c)
		return string(b)
	}
	cases := []struct{ name, req, want string }{
		{"malformed JSON", "POST /v1/tunnels HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{bad}", "400"},
		{"wrong JSON fields", "PUT /v1/killswitch HTTP/1.1\r\nHost: x\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{\"mode\":\"on\"}", "400"},
		{"unknown path", "GET /v1/nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "404"},
		{"unversioned path", "GET /etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "404"},
		{"wrong method", "PATCH /v1/tunnels HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "405"},
		{"huge header", "GET /v1/version HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 64<<10) + "\r\nConnection: close\r\n\r\n", "431"},
		{"not HTTP", "\x00\x01\x02 garbage\r\n\r\n", "400"},
	}
	for _, c := range cases {
		got := raw(c.req)
		if !strings.Contains(got, " "+c.want+" ") {
			t.Errorf("%s: answer %.200q, want status %s", c.name, got, c.want)
		}
		if c.want != "431" && c.want != "400" || strings.Contains(c.name, "JSON") {
			if !strings.Contains(got, `{"error":{"code":`) {
				t.Errorf("%s: answer %.200q is not a JSON error", c.name, got)
			}
		}
	}

	// A huge body: refused with 413 while it is still being sent.
	c := dial()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	fmt.Fprintf(c, "POST /v1/tunnels HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"name\":\"", 64<<20)
	go func() {
		chunk := []byte(strings.Repeat("a", 64<<10))
		for range 1024 {
			if _, err := c.Write(chunk); err != nil {
				return
			}
		}
	}()
	b := make([]byte, 512)
	n, _ := io.ReadAtLeast(c, b, 12)
	c.Close()
	if !strings.Contains(string(b[:n]), " 413 ") {
		t.Errorf("huge body: answer %q, want 413", b[:n])
	}

	// Slow clients: many connections that send half a header and stall.
	var slow []net.Conn
	for range 100 {
		c := dial()
		io.WriteString(c, "GET /v1/version HTTP/1.1\r\nHost: x\r\n")
		slow = append(slow, c)
	}
	defer func() {
		for _, c := range slow {
			c.Close()
		}
	}()
	start := time.Now()
	if _, err := l.root.Version(ctx); err != nil {
		t.Errorf("the service does not answer while slow clients hang on: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("an answer took %s while slow clients hang on", d)
	}
	// The slow ones are cut off by the header timeout.
	slow[0].SetReadDeadline(time.Now().Add(15 * time.Second))
	if _, err := io.ReadAll(slow[0]); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Error("a slow client was not cut off within 15 s")
	}
	if _, err := l.root.List(ctx); err != nil {
		t.Errorf("the service stopped answering: %v", err)
	}
}

// TestFileKeyStoreFromTheCommandLine is the headless path: --key-store=file
// warns, keeps the keys in a 0600 file in the user's config directory, and
// import, up, export and remove work with it.
func TestFileKeyStoreFromTheCommandLine(t *testing.T) {
	l := newServiceLab(t)
	home := t.TempDir()
	run := func(args ...string) (string, string) {
		t.Helper()
		cmd := exec.Command(l.bin, append([]string{"--key-store=file"}, args...)...)
		cmd.Env = []string{"HOME=" + home, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "WGTRAY_SOCKET=" + l.socket}
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("wgtrayd %s: %v\n%s%s", strings.Join(args, " "), err, stdout.String(), stderr.String())
		}
		return stdout.String(), stderr.String()
	}
	name := testnet.UniqueName("fks")
	cfg := benchConfig(t, 1)
	conf := filepath.Join(home, name+".conf")
	if err := os.WriteFile(conf, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr := run("import", conf); !strings.Contains(stderr, "warning: --key-store=file") {
		t.Errorf("no warning about the file store: %q", stderr)
	}
	keyFile := filepath.Join(home, ".config", "wgtray", "keys", name+".json")
	if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, %v; want mode 0600", fi, err)
	}
	if out, _ := run("up", name); !strings.Contains(out, "is up") {
		t.Errorf("up: %q", out)
	}
	if out, _ := run("export", name); out != cfg.String() {
		t.Errorf("export differs:\n%s\nwant\n%s", out, cfg)
	}
	run("remove", name)
	if _, err := os.Stat(keyFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the key file is still there after remove: %v", err)
	}
}
