package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptrace"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/platform/firewall"
	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/platform/seal"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
	"github.com/wgtray/wgtray/tunnel"
)

// fakeEngine stands in for the tunnel package where a test is about the
// manager's bookkeeping, not about packets (the end-to-end tests run real
// tunnels). It records the configs it was started with.
type fakeEngine struct {
	mu      sync.Mutex
	started map[string]*importer.Config
	fail    error
	// block makes Start wait for its context, as for an endpoint that does
	// not resolve.
	block bool
	// slow, when set, holds Start until it is closed, as a slow start
	// would.
	slow chan struct{}
	// health is each started tunnel's onHealth.
	health map[string]func(tunnel.Health)
}

func (e *fakeEngine) Start(ctx context.Context, name string, cfg *importer.Config, _ *tunnel.RosenpassConfig, _ func(string, uint32, []netip.AddrPort), onHealth func(tunnel.Health)) (running, error) {
	e.mu.Lock()
	block, slow := e.block, e.slow
	e.mu.Unlock()
	if block {
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if slow != nil {
		select {
		case <-slow:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.fail != nil {
		return nil, e.fail
	}
	if e.started == nil {
		e.started = make(map[string]*importer.Config)
	}
	e.started[name] = cfg
	if e.health == nil {
		e.health = make(map[string]func(tunnel.Health))
	}
	e.health[name] = onHealth
	full := false
	for _, p := range cfg.Peers {
		for _, a := range p.AllowedIPs {
			full = full || a.Bits() == 0
		}
	}
	return &fakeRunning{name: name, full: full, engine: e}, nil
}

func (e *fakeEngine) running(name string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	_, ok := e.started[name]
	return ok
}

type fakeRunning struct {
	name   string
	full   bool
	engine *fakeEngine
}

func (r *fakeRunning) Close() error {
	r.engine.mu.Lock()
	defer r.engine.mu.Unlock()
	delete(r.engine.started, r.name)
	return nil
}
func (r *fakeRunning) SetPeers(_ context.Context, cfg *importer.Config, beforeTraffic func([]netip.AddrPort)) error {
	beforeTraffic(nil)
	r.engine.mu.Lock()
	defer r.engine.mu.Unlock()
	r.engine.started[r.name] = cfg
	return nil
}
func (r *fakeRunning) Interface() string  { return r.name }
func (r *fakeRunning) FwMark() uint32     { return 0x1234 }
func (r *fakeRunning) DefaultRoute() bool { return r.full }
func (r *fakeRunning) Stats() (liveStats, error) {
	return liveStats{ListenPort: 40000}, nil
}

// fakeFirewall records the policies applied; the nftables backend has its
// own tests in platform/firewall.
type fakeFirewall struct {
	mu       sync.Mutex
	policies []firewall.FirewallPolicy
	// gate, when set, holds Apply until it is closed, as a slow nftables,
	// pf or WFP transaction would; entered tells that one is held.
	gate    chan struct{}
	entered chan struct{}
	delay   time.Duration
}

func (f *fakeFirewall) Apply(p firewall.FirewallPolicy) error {
	f.mu.Lock()
	gate, entered, delay := f.gate, f.entered, f.delay
	f.mu.Unlock()
	time.Sleep(delay)
	if gate != nil {
		select {
		case entered <- struct{}{}:
		default:
		}
		<-gate
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.policies = append(f.policies, p)
	return nil
}

func (f *fakeFirewall) Active() (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.policies) > 0 && f.policies[len(f.policies)-1].Blocking(), nil
}

func (f *fakeFirewall) last() firewall.FirewallPolicy {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.policies[len(f.policies)-1]
}

// harness is the service's manager and API on a socket in a temporary
// directory, with the fake engine and firewall; clients connect as the
// user running the test (root in CI, an admin).
type harness struct {
	dir    string
	socket string
	ring   *ringLog
	engine *fakeEngine
	fw     *fakeFirewall
	srv    *server
	mgr    *manager
	done   chan error
}

func startHarness(t *testing.T, dir string) *harness {
	t.Helper()
	h := newHarness(t, dir)
	l := listenTest(t, h.socket)
	go func() { h.done <- h.srv.serve(l) }()
	t.Cleanup(h.stop)
	return h
}

// newHarness is a harness whose server does not listen yet.
func newHarness(t testing.TB, dir string) *harness {
	t.Helper()
	h := &harness{dir: dir, socket: testSocket(dir), engine: &fakeEngine{}, fw: &fakeFirewall{}, done: make(chan error, 1)}
	h.ring = newRingLog(nil)
	log := h.ring.logger()
	st, err := openStore(filepath.Join(dir, "state"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := st.loadSettings()
	if err != nil {
		t.Fatal(err)
	}
	events := newBroker()
	ks := newKillSwitch(log, st, h.fw, events, set)
	h.mgr = newManager(log, h.ring, st, h.engine, events, ks)
	h.mgr.sealed, h.mgr.sealErr = seal.New(filepath.Join(dir, "state", "sealed"))
	if err := h.mgr.load(); err != nil {
		t.Fatal(err)
	}
	h.mgr.reconcileKillSwitch()
	h.srv = newServer(log, h.ring, h.mgr, ks, events)
	return h
}

func (h *harness) stop() {
	if h.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = h.srv.shutdown(ctx)
	h.mgr.shutdown()
	h.mgr.ks.close()
	<-h.done
	h.srv = nil
}

func newConfig(t *testing.T, allowed string) *importer.Config {
	t.Helper()
	var keys [3]importer.Key
	for i := range keys {
		var err error
		if keys[i], err = importer.GenerateKey(); err != nil {
			t.Fatal(err)
		}
	}
	priv, peer, psk := keys[0], keys[1], keys[2]
	return &importer.Config{
		Interface: importer.Interface{PrivateKey: priv, Addresses: []netip.Prefix{netip.MustParsePrefix("10.9.0.2/32")}, DNS: []netip.Addr{netip.MustParseAddr("10.9.0.1")}},
		Peers: []importer.Peer{{
			PublicKey:    peer.Public(),
			PresharedKey: psk,
			Endpoint:     importer.Endpoint{Host: "192.0.2.1", Port: 51820},
			AllowedIPs:   []netip.Prefix{netip.MustParsePrefix(allowed)},
		}},
	}
}

// startWithTunnel starts a harness with tunnel name imported by a client.
func startWithTunnel(t *testing.T, name string) (*harness, *client.Client, context.Context) {
	t.Helper()
	h := startHarness(t, t.TempDir())
	c := testClient(t, h)
	ctx := ctxFor(t)
	if _, err := c.Import(ctx, name, newConfig(t, "10.9.0.0/24")); err != nil {
		t.Fatal(err)
	}
	return h, c, ctx
}

func testClient(t *testing.T, h *harness) *client.Client {
	t.Helper()
	return client.New(h.socket, client.FileKeyStore(filepath.Join(h.dir, "keys")))
}

func ctxFor(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestUpSendsKeysAndDownWipesThem(t *testing.T) {
	h := startHarness(t, t.TempDir())
	c := testClient(t, h)
	ctx := ctxFor(t)
	cfg := newConfig(t, "10.9.0.0/24")
	if _, err := c.Import(ctx, "home", cfg); err != nil {
		t.Fatal(err)
	}
	tun, err := c.Up(ctx, "home")
	if err != nil || tun.State != api.StateUp {
		t.Fatalf("up: %+v %v", tun, err)
	}
	h.engine.mu.Lock()
	got := h.engine.started["home"]
	h.engine.mu.Unlock()
	if got.String() != cfg.String() {
		t.Errorf("the engine got\n%s\nwant\n%s", got, cfg)
	}
	if _, err := c.Down(ctx, "home"); err != nil {
		t.Fatal(err)
	}
	if !got.Interface.PrivateKey.IsZero() || !got.Peers[0].PresharedKey.IsZero() {
		t.Error("the keys are still in the service's memory after down")
	}
	if h.engine.running("home") {
		t.Error("the tunnel still runs after down")
	}
}

func TestUpLogsTheScriptsItDoesNotRun(t *testing.T) {
	h := startHarness(t, t.TempDir())
	c := testClient(t, h)
	ctx := ctxFor(t)
	cfg := newConfig(t, "10.9.0.0/24")
	cfg.Interface.PostUp = []string{"iptables -A FORWARD -i %i -j ACCEPT"}
	if _, err := c.Import(ctx, "server", cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Up(ctx, "server"); err != nil {
		t.Fatal(err)
	}
	entries, _ := h.ring.snapshot(false)
	found := false
	for _, e := range entries {
		found = found || (e.Level == "WARN" && e.Attrs["tunnel"] == "server" && strings.Contains(e.Attrs["what"], "PostUp kept but not run"))
	}
	if !found {
		t.Errorf("no warning that PostUp is not run in the log: %+v", entries)
	}
}

func TestStateFilesArePrivateAndHoldNoSecrets(t *testing.T) {
	h := startHarness(t, t.TempDir())
	c := testClient(t, h)
	ctx := ctxFor(t)
	cfg := newConfig(t, "10.9.0.0/24")
	if _, err := c.Import(ctx, "home", cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetKillSwitch(ctx, api.KillSwitchAuto, true); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Up(ctx, "home"); err != nil {
		t.Fatal(err)
	}
	secrets := []string{cfg.Interface.PrivateKey.String(), cfg.Interface.PrivateKey.Hex(), cfg.Peers[0].PresharedKey.String()}
	state := filepath.Join(h.dir, "state")
	n := 0
	err := filepath.WalkDir(state, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		assertPrivateFile(t, p)
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, s := range secrets {
			if strings.Contains(string(b), s) {
				t.Errorf("%s holds a secret", p)
			}
		}
		return nil
	})
	if err != nil || n < 2 {
		t.Fatalf("walk state: %v, %d files", err, n)
	}
	assertPrivateDir(t, state)
}

func TestDamagedTunnelFileIsSkippedAndOthersLoad(t *testing.T) {
	dir := t.TempDir()
	h := startHarness(t, dir)
	c := testClient(t, h)
	ctx := ctxFor(t)
	for _, name := range []string{"good", "bad"} {
		if _, err := c.Import(ctx, name, newConfig(t, "10.9.0.0/24")); err != nil {
			t.Fatal(err)
		}
	}
	h.stop()
	if err := os.WriteFile(filepath.Join(dir, "state", "tunnels", "bad.json"), []byte(`{"name":"bad","config":`), 0o600); err != nil {
		t.Fatal(err)
	}
	h = startHarness(t, dir)
	ts, err := testClient(t, h).List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 1 || ts[0].Name != "good" {
		t.Errorf("after damaging bad.json the service lists %+v, want only good", ts)
	}
	entries, _ := h.ring.snapshot(false)
	found := false
	for _, e := range entries {
		found = found || (e.Level == "ERROR" && strings.Contains(e.Attrs["file"], "bad.json"))
	}
	if !found {
		t.Error("the damaged file is not reported in the log")
	}
}

func TestRestartWaitsForKeysAndRestoreBringsTunnelsBack(t *testing.T) {
	dir := t.TempDir()
	h := startHarness(t, dir)
	c := testClient(t, h)
	ctx := ctxFor(t)
	if _, err := c.Import(ctx, "full", newConfig(t, "0.0.0.0/0")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.SetKillSwitch(ctx, api.KillSwitchAuto, false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Up(ctx, "full"); err != nil {
		t.Fatal(err)
	}
	if p := h.fw.last(); !p.Blocking() || len(p.Tunnels) != 1 || p.Tunnels[0].FwMark != 0x1234 {
		t.Errorf("policy with the full tunnel up: %+v", p)
	}
	h.stop()

	h = startHarness(t, dir)
	c = testClient(t, h)
	tun, err := c.Get(ctx, "full")
	if err != nil {
		t.Fatal(err)
	}
	if tun.State != api.StateFailed || !tun.NeedsKeys {
		t.Errorf("after a restart: %+v, want failed and waiting for keys", tun)
	}
	if p := h.fw.last(); !p.Blocking() {
		t.Errorf("after a restart the kill switch does not block while the full tunnel waits for keys: %+v", p)
	}
	restored, err := c.Restore(ctx)
	if err != nil || len(restored) != 1 {
		t.Fatalf("restore: %v %v", restored, err)
	}
	if !h.engine.running("full") {
		t.Error("restore did not bring the tunnel up")
	}
	if _, err := c.Down(ctx, "full"); err != nil {
		t.Fatal(err)
	}
	if p := h.fw.last(); p.Blocking() || p.Mode != api.KillSwitchAuto {
		t.Errorf("after down the policy still blocks: %+v", p)
	}
}

func TestEventsStartWithSnapshotThenFollowChanges(t *testing.T) {
	_, c, ctx := startWithTunnel(t, "a")
	events := make(chan api.Event, 64)
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Events(sctx, func(e api.Event) { events <- e }) }()
	next := func() api.Event {
		select {
		case e := <-events:
			return e
		case <-time.After(10 * time.Second):
			t.Fatal("no event within 10 s")
			return api.Event{}
		}
	}
	if e := next(); e.Type != api.EventTunnel || e.Tunnel.Name != "a" || !e.Tunnel.Mine {
		t.Errorf("first event %+v, want tunnel a", e)
	}
	if e := next(); e.Type != api.EventKillSwitch {
		t.Errorf("second event %+v, want the kill switch", e)
	}
	if e := next(); e.Type != api.EventNetwork || e.Networks == nil {
		t.Errorf("third event %+v, want the network", e)
	}
	if e := next(); e.Type != api.EventReady {
		t.Errorf("fourth event %+v, want ready", e)
	}
	if _, err := c.Up(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	var states []api.State
	for len(states) < 2 {
		if e := next(); e.Type == api.EventTunnel {
			states = append(states, e.Tunnel.State)
		}
	}
	if states[0] != api.StateStarting || states[1] != api.StateUp {
		t.Errorf("states %v, want starting, up", states)
	}
	if err := c.Delete(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	for {
		if e := next(); e.Type == api.EventRemoved {
			break
		}
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("events ended with %v after cancel", err)
	}
}

func TestFailedStartReportsReasonAndKeepsNoKeys(t *testing.T) {
	h, c, ctx := startWithTunnel(t, "a")
	h.engine.fail = errors.New("no TUN device")
	if _, err := c.Up(ctx, "a"); !client.IsCode(err, api.CodeTunnelFailed) {
		t.Fatalf("up with a failing engine: %v", err)
	}
	tun, err := c.Get(ctx, "a")
	if err != nil || tun.State != api.StateFailed || !strings.Contains(tun.Error, "no TUN device") {
		t.Errorf("after a failed start: %+v %v", tun, err)
	}
	h.mgr.mu.Lock()
	held := h.mgr.tunnels["a"].full
	h.mgr.mu.Unlock()
	if held != nil {
		t.Error("the service holds keys of a tunnel that failed")
	}
}

func TestWrongKeyIsRefused(t *testing.T) {
	h, _, ctx := startWithTunnel(t, "a")
	wrong, err := importer.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	keys := client.FileKeyStore(t.TempDir())
	if err := keys.Set("a", `{"private_key":"`+wrong.String()+`"}`); err != nil {
		t.Fatal(err)
	}
	if _, err := client.New(h.socket, keys).Up(ctx, "a"); !client.IsCode(err, api.CodeKeyMismatch) {
		t.Errorf("up with another private key: %v, want key_mismatch", err)
	}
	if h.engine.running("a") {
		t.Error("the tunnel runs with the wrong key")
	}
}

func TestLogRedactsSecrets(t *testing.T) {
	r := newRingLog(io.Discard)
	k, err := importer.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	r.addSecret(k)
	log := r.logger().With("tunnel", "a")
	log.Info("config "+k.String(), "uapi", "private_key="+k.Hex()+"\nlisten_port=1", "private_key", "x", "peer", k.Public().String())
	log.Info("plain", "detail", "preshared_key="+strings.Repeat("ab", 32))
	entries, _ := r.snapshot(false)
	for _, e := range entries {
		text := e.Message
		for _, v := range e.Attrs {
			text += " " + v
		}
		if strings.Contains(text, k.String()) || strings.Contains(text, k.Hex()) || strings.Contains(text, strings.Repeat("ab", 32)) {
			t.Errorf("a secret survives in %+v", e)
		}
	}
	if entries[0].Attrs["peer"] != k.Public().String() || entries[0].Attrs["tunnel"] != "a" {
		t.Errorf("redaction hides what is not secret: %+v", entries[0].Attrs)
	}
}

func TestLogOfARemovedTunnelStaysHiddenFromTheNextOwnerOfItsName(t *testing.T) {
	h := startHarness(t, t.TempDir())
	alice := ipc.Peer{UID: "1000", Operator: true}
	bob := ipc.Peer{UID: "1001", Operator: true}
	importAs := func(who ipc.Peer) {
		t.Helper()
		cfg := newConfig(t, "10.9.0.0/24")
		req := api.CreateRequest{Name: "office", Config: cfg.String(), PublicKey: cfg.Interface.PrivateKey.Public().String()}
		if _, err := h.mgr.create(who, req); err != nil {
			t.Fatal(err)
		}
	}
	importAs(alice)
	h.mgr.log.Info("alice's endpoint changed", "tunnel", "office")
	if err := h.mgr.remove(alice, "office"); err != nil {
		t.Fatal(err)
	}
	importAs(bob)
	h.mgr.log.Info("bob's endpoint changed", "tunnel", "office")

	entries, _ := h.ring.snapshot(false)
	var seen []string
	visible := h.mgr.logVisible(bob)
	for _, e := range entries {
		if e.Attrs["tunnel"] == "office" && visible(e) {
			seen = append(seen, e.Message)
		}
	}
	if want := []string{"tunnel imported", "bob's endpoint changed"}; !slices.Equal(seen, want) {
		t.Errorf("bob sees %q of office's log, want %q", seen, want)
	}
}

func TestOneUserCannotStoreMoreThanTheQuota(t *testing.T) {
	h := startHarness(t, t.TempDir())
	alice := ipc.Peer{UID: "1000", Operator: true}
	bob := ipc.Peer{UID: "1001", Operator: true}
	wantQuota := func(what string, err error) {
		t.Helper()
		var ae *apiError
		if !errors.As(err, &ae) || ae.code != api.CodeQuota {
			t.Errorf("%s: %v, want a quota error", what, err)
		}
	}
	// Stand-ins for alice's tunnels, in memory only.
	fill := func(n int, config string) {
		h.mgr.mu.Lock()
		defer h.mgr.mu.Unlock()
		clear(h.mgr.tunnels)
		for i := range n {
			name := fmt.Sprintf("a%d", i)
			h.mgr.tunnels[name] = &managed{rec: record{Name: name, OwnerUID: alice.UID, Config: config}}
		}
	}

	fill(maxTunnelsPerOwner, "")
	wantQuota("alice's tunnel past the count", createAs(t, h, alice, "more"))
	if err := createAs(t, h, bob, "bobs"); err != nil {
		t.Errorf("bob is held to alice's quota: %v", err)
	}

	big := strings.Repeat("#", 1<<20)
	fill(maxConfigBytesPerOwner>>20, big)
	wantQuota("alice's tunnel past the bytes", createAs(t, h, alice, "more"))
	h.mgr.mu.Lock()
	defer h.mgr.mu.Unlock()
	if err := h.mgr.quotaLocked(alice.UID, len(big), "a0"); err != nil {
		t.Errorf("replacing a tunnel with one of the same size: %v", err)
	}
	wantQuota("replacing a tunnel with a bigger one past the bytes", h.mgr.quotaLocked(alice.UID, len(big)+1, "a0"))
	h.mgr.tunnels["a-last"] = &managed{rec: record{Name: "a-last", OwnerUID: alice.UID, Config: big}}
	if err := h.mgr.quotaLocked(alice.UID, 10, "a0"); err != nil {
		t.Errorf("shrinking a tunnel of a user over the quota: %v", err)
	}
}

func TestLogRingKeepsTheNewestEntries(t *testing.T) {
	r := newRingLog(nil)
	log := r.logger()
	for i := range logCapacity + 10 {
		log.Info("entry", "i", i)
	}
	entries, _ := r.snapshot(false)
	if len(entries) != logCapacity || entries[0].Seq != 11 || entries[len(entries)-1].Seq != logCapacity+10 {
		t.Errorf("ring holds %d entries from %d to %d", len(entries), entries[0].Seq, entries[len(entries)-1].Seq)
	}
}

func TestDownCancelsAStartInProgress(t *testing.T) {
	h, c, ctx := startWithTunnel(t, "a")
	h.engine.mu.Lock()
	h.engine.block = true
	h.engine.mu.Unlock()
	upErr := make(chan error, 1)
	go func() {
		_, err := c.Up(ctx, "a")
		upErr <- err
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if tun, err := c.Get(ctx, "a"); err == nil && tun.State == api.StateStarting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the tunnel never started coming up")
		}
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	tun, err := c.Down(ctx, "a")
	if err != nil || tun.State != api.StateDown {
		t.Fatalf("down while starting: %+v %v", tun, err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("down waited %s for the start", d)
	}
	if err := <-upErr; !client.IsCode(err, api.CodeConflict) {
		t.Errorf("the interrupted up answered %v, want a conflict", err)
	}
}

func TestNameTakenByAnotherInterfaceIsNotMeantUpNorLetThroughByTheKillSwitch(t *testing.T) {
	h, c, ctx := startWithTunnel(t, "wg0")
	if _, err := c.SetKillSwitch(ctx, api.KillSwitchAlways, false); err != nil {
		t.Fatal(err)
	}
	h.engine.fail = fmt.Errorf("bring up wg0: %w: an interface called wg0 already exists", tunnel.ErrNameTaken)
	if _, err := c.Up(ctx, "wg0"); !client.IsCode(err, api.CodeTunnelFailed) {
		t.Fatalf("up with the name taken: %v", err)
	}
	h.mgr.mu.Lock()
	wantUp, policy := h.mgr.tunnels["wg0"].rec.WantUp, h.mgr.policyLocked()
	h.mgr.mu.Unlock()
	if wantUp {
		t.Error("a tunnel whose name another interface has stays meant to be up")
	}
	if len(policy) != 0 {
		t.Errorf("the kill switch lets the other interface through: %+v", policy)
	}
}

// The kill switch follows what the tunnel runs: after an edit of its DNS,
// which reconnects it, the new servers.
func TestKillSwitchFollowsAnEditOfARunningTunnel(t *testing.T) {
	h, c, ctx := startWithTunnel(t, "a")
	if _, err := c.Up(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	edited := newConfig(t, "10.9.0.0/24")
	edited.Interface.DNS = []netip.Addr{netip.MustParseAddr("10.66.0.1")}
	h.mgr.mu.Lock()
	edited.Interface.PrivateKey = h.mgr.tunnels["a"].full.Interface.PrivateKey
	h.mgr.mu.Unlock()
	res, err := c.Update(ctx, "a", edited)
	if err != nil || res.Applied != api.AppliedReconnected {
		t.Fatalf("edit of the DNS: %v, %v; want reconnected", res.Applied, err)
	}
	h.mgr.mu.Lock()
	policy := h.mgr.policyLocked()
	h.mgr.mu.Unlock()
	if len(policy) != 1 || len(policy[0].DNS) != 1 || policy[0].DNS[0] != netip.MustParseAddr("10.66.0.1") {
		t.Errorf("the kill switch does not follow the DNS the tunnel runs with: %+v", policy)
	}
}

// createAs imports a new tunnel name as who, straight into the manager.
func createAs(t *testing.T, h *harness, who ipc.Peer, name string) error {
	t.Helper()
	cfg := newConfig(t, "10.9.0.0/24")
	_, err := h.mgr.create(who, api.CreateRequest{Name: name, Config: cfg.String(), PublicKey: cfg.Interface.PrivateKey.Public().String()})
	return err
}

// On Windows and macOS "office" and "Office" are one file: one user's
// record must not overwrite another's, and any spelling finds the tunnel.
func TestTunnelNamesThatDifferOnlyInCaseAreOneName(t *testing.T) {
	h := startHarness(t, t.TempDir())
	alice := ipc.Peer{UID: "1000", Operator: true}
	bob := ipc.Peer{UID: "1001", Operator: true}
	if err := createAs(t, h, alice, "office"); err != nil {
		t.Fatal(err)
	}
	var ae *apiError
	if err := createAs(t, h, bob, "Office"); !errors.As(err, &ae) || ae.code != api.CodeExists {
		t.Errorf(`"Office" next to "office": %v, want that it exists`, err)
	}
	if got, err := h.mgr.get(alice, "OFFICE"); err != nil || got.Name != "office" {
		t.Errorf(`get "OFFICE" = %+v, %v; want "office"`, got, err)
	}
	if _, err := h.mgr.down(bob, "Office"); !errors.As(err, &ae) || ae.code != api.CodeForbidden {
		t.Errorf(`bob's down of "Office": %v, want forbidden`, err)
	}
	if err := h.mgr.remove(alice, "OFFICE"); err != nil {
		t.Fatal(err)
	}
	if entries, err := os.ReadDir(filepath.Join(h.dir, "state", "tunnels")); err != nil || len(entries) != 0 {
		t.Errorf("after removing \"OFFICE\" the store holds %v (%v)", entries, err)
	}
}

// An edit reaches a running tunnel at once: a new config by a reconnect,
// a peer setting in place; status shows what runs.
func TestEditOfARunningTunnelTakesEffectAtOnce(t *testing.T) {
	h, c, ctx := startWithTunnel(t, "home")
	if res, err := c.Update(ctx, "home", newConfig(t, "10.8.0.0/24")); err != nil || res.Applied != api.AppliedSaved {
		t.Fatalf("edit of a tunnel that is down: %v, %v; want saved", res.Applied, err)
	}
	if _, err := c.Up(ctx, "home"); err != nil {
		t.Fatal(err)
	}
	cfg := newConfig(t, "10.7.0.0/24")
	res, err := c.Update(ctx, "home", cfg)
	if err != nil || res.Applied != api.AppliedReconnected || res.State != api.StateUp {
		t.Fatalf("edit of every setting: %+v, %v; want up and reconnected", res, err)
	}
	st, err := c.Status(ctx, "home")
	if err != nil || len(st.Tunnels) != 1 || len(st.Tunnels[0].Peers) != 1 {
		t.Fatalf("status: %+v, %v", st, err)
	}
	if p := st.Tunnels[0].Peers[0]; p.PublicKey != cfg.Peers[0].PublicKey.String() {
		t.Errorf("status of the running tunnel shows peer %s, want the edited one", p.PublicKey)
	}
	cfg.Peers[0].PersistentKeepalive = 20
	if res, err := c.Update(ctx, "home", cfg); err != nil || res.Applied != api.AppliedLive {
		t.Fatalf("edit of the keepalive: %v, %v; want live", res.Applied, err)
	}
	h.engine.mu.Lock()
	got := h.engine.started["home"].Peers[0].PersistentKeepalive
	h.engine.mu.Unlock()
	if got != 20 {
		t.Errorf("the device has keepalive %d, want 20", got)
	}
}

// An up that waits for the tunnel while the service shuts down must not
// bring it up as the process exits.
func TestUpQueuedDuringShutdownDoesNotBringTheTunnelUp(t *testing.T) {
	h, c, ctx := startWithTunnel(t, "home")
	h.mgr.mu.Lock()
	tun := h.mgr.tunnels["home"]
	h.mgr.mu.Unlock()
	tun.op.Lock() // an operation in progress: up and shutdown queue behind it
	upped := make(chan error, 1)
	go func() { _, err := c.Up(ctx, "home"); upped <- err }()
	time.Sleep(100 * time.Millisecond)
	stopped := make(chan struct{})
	go func() { h.mgr.shutdown(); close(stopped) }()
	for deadline, closing := time.Now().Add(5*time.Second), false; !closing && time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		h.mgr.mu.Lock()
		closing = h.mgr.closing
		h.mgr.mu.Unlock()
	}
	tun.op.Unlock()
	<-stopped
	if err := <-upped; err == nil {
		t.Error("an up queued during shutdown succeeded")
	}
	if h.engine.running("home") {
		t.Error("the tunnel runs after shutdown")
	}
}

func TestStatusRequestsReuseOneConnection(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tunnels int // 30 make an answer of more than 4 KB, the server's chunking size
	}{
		{"small answer", 1},
		{"large answer", 30},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startHarness(t, t.TempDir())
			c := testClient(t, h)
			ctx := ctxFor(t)
			for i := range tc.tunnels {
				if _, err := c.Import(ctx, fmt.Sprintf("t%d", i), newConfig(t, fmt.Sprintf("10.9.%d.0/24", i))); err != nil {
					t.Fatal(err)
				}
			}
			var dials int
			trace := &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) {
				if !i.Reused {
					dials++
				}
			}}
			tctx := httptrace.WithClientTrace(ctx, trace)
			for range 5 {
				st, err := c.Status(tctx, "")
				if err != nil {
					t.Fatal(err)
				}
				if len(st.Tunnels) != tc.tunnels {
					t.Fatalf("status lists %d tunnels, want %d", len(st.Tunnels), tc.tunnels)
				}
			}
			if dials > 1 {
				t.Errorf("5 status requests opened %d connections, want 1 (keep-alive)", dials)
			}
		})
	}
}

// What a running tunnel says about the network under it reaches the event
// stream and the status, once per change, and is gone when it goes down.
func TestTunnelHealthReachesEventsAndStatus(t *testing.T) {
	h, c, ctx := startWithTunnel(t, "a")
	if _, err := c.Up(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	events := make(chan api.Event, 64)
	sctx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = c.Events(sctx, func(e api.Event) { events <- e }) }()
	next := func() api.Tunnel {
		t.Helper()
		for {
			select {
			case e := <-events:
				if e.Type == api.EventTunnel && e.Tunnel.Name == "a" {
					return *e.Tunnel
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no tunnel event within 10 s")
			}
		}
	}
	next() // the snapshot
	h.engine.mu.Lock()
	report := h.engine.health["a"]
	h.engine.mu.Unlock()
	peer, _ := importer.GenerateKey()
	for _, tc := range []struct {
		said tunnel.Health
		want api.Health
	}{
		{tunnel.Health{NoNetwork: true}, api.Health{NoNetwork: true}},
		{tunnel.Health{}, api.Health{}},
		{tunnel.Health{Unanswered: []importer.Key{peer.Public()}}, api.Health{Unanswered: true}},
	} {
		report(tc.said)
		report(tc.said) // no change: no event
		if got := next(); got.Health != tc.want || got.State != api.StateUp {
			t.Errorf("event after %+v: %+v, want up with %+v", tc.said, got, tc.want)
		}
		st, err := c.Status(ctx, "a")
		if err != nil || st.Tunnels[0].Health != tc.want {
			t.Errorf("status after %+v: %+v, %v; want %+v", tc.said, st.Tunnels[0].Health, err, tc.want)
		}
	}
	if _, err := c.Down(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	for got := next(); got.State != api.StateDown; got = next() {
	}
	report(tunnel.Health{NoNetwork: true})
	if st, _ := c.Status(ctx, "a"); st.Tunnels[0].Health != (api.Health{}) {
		t.Errorf("a tunnel that is down keeps its health: %+v", st.Tunnels[0].Health)
	}
	select {
	case e := <-events:
		t.Errorf("an event after the tunnel went down: %+v", e)
	case <-time.After(100 * time.Millisecond):
	}
}
