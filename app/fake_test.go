package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

// fakeService is an in-memory wgtrayd with the same event semantics: a
// snapshot, EventReady, then changes; going down ends every stream.
type fakeService struct {
	mu         sync.Mutex
	down       bool
	tunnels    map[string]*fakeTunnel
	killSwitch api.KillSwitch
	subs       []chan api.Event
	logs       []api.LogEntry
	calls      []string
	stats      map[string][]api.PeerStatus
	// rosenpass holds, per tunnel and peer, the Rosenpass the service
	// would report; pqKeys the tunnels' own public keys.
	rosenpass map[string]map[string]*api.RosenpassStatus
	pqKeys    map[string][]byte
	// networks is where the computer is and what it trusts; admin says
	// whether the caller is an administrator (removes any trusted
	// network), uid who the caller is.
	networks api.Networks
	admin    bool
	uid      string
	nextID   int
	// held are names the service holds for another import or rename:
	// refused, not listed.
	held []string
}

type fakeTunnel struct {
	api.Tunnel
	cfg    *importer.Config // with secrets, as the keyring would give them back
	ifname string           // the OS interface while up, when not the name
}

func newFakeService() *fakeService {
	return &fakeService{tunnels: map[string]*fakeTunnel{}, killSwitch: api.KillSwitch{Mode: api.KillSwitchOff, Changeable: true}, stats: map[string][]api.PeerStatus{},
		rosenpass: map[string]map[string]*api.RosenpassStatus{}, pqKeys: map[string][]byte{},
		networks: api.Networks{Current: api.CurrentNetwork{Text: "unknown network"}}, uid: "1000"}
}

// moveTo puts the computer on network cur, as the service reports a move.
func (f *fakeService) moveTo(cur api.CurrentNetwork) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.networks.Current = cur
	f.networkChangedLocked()
}

// addTrusted stores a trusted network as if added earlier by owner.
func (f *fakeService) addTrusted(n api.TrustedNetwork) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.networks.Trusted = append(f.networks.Trusted, n)
	f.networkChangedLocked()
}

// removeTrusted removes a trusted network as another window or user would.
func (f *fakeService) removeTrusted(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.networks.Trusted = slices.DeleteFunc(f.networks.Trusted, func(n api.TrustedNetwork) bool { return n.ID == id })
	f.networkChangedLocked()
}

// networkChangedLocked matches the current network against the trusted
// ones, as the service does, and tells every stream.
func (f *fakeService) networkChangedLocked() {
	cur := &f.networks.Current
	cur.Trusted, cur.TrustedID, cur.TrustedName = false, "", ""
	for i := range f.networks.Trusted {
		n := &f.networks.Trusted[i]
		n.Current = cur.Known && (n.GatewayMAC == "" || n.GatewayMAC == cur.GatewayMAC) && (n.SSID == "" || n.SSID == cur.SSID)
		n.Removable = f.admin || n.AddedBy.UID == f.uid
		if n.Current && !cur.Trusted {
			cur.Trusted, cur.TrustedID, cur.TrustedName = true, n.ID, n.Name
		}
	}
	v := f.networksLocked()
	f.broadcast(api.Event{Type: api.EventNetwork, Networks: &v})
}

func (f *fakeService) networksLocked() api.Networks {
	v := f.networks
	v.Trusted = slices.Clone(v.Trusted)
	return v
}

func (f *fakeService) SetSettings(_ context.Context, name string, req api.SettingsRequest) (api.Tunnel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("settings %s start=%s networks=%s", name, req.Start, req.Networks)
	if err := f.check(); err != nil {
		return api.Tunnel{}, err
	}
	t := f.tunnels[name]
	if !t.Mine && !f.admin {
		return api.Tunnel{}, &client.Error{Status: 403, Code: api.CodeForbidden, Message: "only its owner or an administrator may change " + name}
	}
	if req.Start != "" {
		t.Start = req.Start
	}
	if req.Networks != "" {
		t.Networks = req.Networks
	}
	f.broadcast(f.tunnelEvent(t))
	return t.Tunnel, nil
}

func (f *fakeService) Networks(context.Context) (api.Networks, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check(); err != nil {
		return api.Networks{}, err
	}
	return f.networksLocked(), nil
}

func (f *fakeService) Trust(_ context.Context, req api.TrustRequest) (api.TrustedNetwork, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("trust current=%v mac=%s ssid=%s name=%s", req.Current, req.GatewayMAC, req.SSID, req.Name)
	if err := f.check(); err != nil {
		return api.TrustedNetwork{}, err
	}
	n := api.TrustedNetwork{GatewayMAC: req.GatewayMAC, SSID: req.SSID, Name: req.Name,
		AddedBy: api.Owner{UID: f.uid, Name: "me"}, AddedAt: epoch}
	if req.Current {
		cur := f.networks.Current
		if !cur.Known {
			return api.TrustedNetwork{}, &client.Error{Status: 409, Code: api.CodeUnknownNetwork, Message: "the current network is not known yet"}
		}
		n.GatewayMAC, n.SSID = cur.GatewayMAC, cur.SSID
	}
	if n.Name == "" {
		n.Name = cmp.Or(n.SSID, n.GatewayMAC)
	}
	f.nextID++
	n.ID = fmt.Sprintf("n%d", f.nextID)
	n.Identifies = cmp.Or(n.GatewayMAC, n.SSID)
	if n.GatewayMAC == "" {
		n.Warning = api.SSIDOnlyWarning
	}
	f.networks.Trusted = append(f.networks.Trusted, n)
	f.networkChangedLocked()
	return n, nil
}

func (f *fakeService) Distrust(_ context.Context, id string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("distrust %s", id)
	if err := f.check(); err != nil {
		return err
	}
	i := slices.IndexFunc(f.networks.Trusted, func(n api.TrustedNetwork) bool { return n.ID == id })
	if i < 0 {
		return &client.Error{Status: 404, Code: api.CodeNotFound, Message: "no trusted network " + id}
	}
	if n := f.networks.Trusted[i]; !f.admin && n.AddedBy.UID != f.uid {
		return &client.Error{Status: 403, Code: api.CodeForbidden, Message: "only they or an administrator may remove it"}
	}
	f.networks.Trusted = slices.Delete(f.networks.Trusted, i, i+1)
	f.networkChangedLocked()
	return nil
}

func (f *fakeService) called(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

// Calls returns the calls made so far.
func (f *fakeService) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeService) check() error {
	if f.down {
		return &client.NotRunningError{Socket: "/run/wgtray/wgtray.sock", Err: errors.New("connect: no such file or directory")}
	}
	return nil
}

func (f *fakeService) broadcast(ev api.Event) {
	for _, s := range f.subs {
		s <- ev
	}
}

func (f *fakeService) tunnelEvent(t *fakeTunnel) api.Event {
	c := t.Tunnel
	return api.Event{Type: api.EventTunnel, Tunnel: &c}
}

// setDown stops or starts the fake service; stopping ends every stream.
func (f *fakeService) setDown(down bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.down = down
	if down {
		for _, s := range f.subs {
			close(s)
		}
		f.subs = nil
	}
}

// add stores a tunnel as if imported earlier.
func (f *fakeService) add(name string, cfg *importer.Config, state api.State) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.addLocked(name, cfg, state)
}

func (f *fakeService) addLocked(name string, cfg *importer.Config, state api.State) {
	redacted, _ := cfg.Redact()
	t := &fakeTunnel{cfg: cfg, Tunnel: api.Tunnel{
		Name: name, State: state, Mine: true,
		PublicKey: cfg.Interface.PrivateKey.Public().String(), Config: redacted.String(),
	}}
	f.tunnels[name] = t
	f.broadcast(f.tunnelEvent(t))
}

// setState changes a tunnel's state as the service would report it.
func (f *fakeService) setState(name string, state api.State, errText string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	t := f.tunnels[name]
	t.State, t.Error = state, errText
	f.broadcast(f.tunnelEvent(t))
}

// setKillSwitch changes the kill switch as the service would report it.
func (f *fakeService) setKillSwitch(ks api.KillSwitch) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.killSwitch = ks
	f.broadcast(api.Event{Type: api.EventKillSwitch, KillSwitch: &ks})
}

func (f *fakeService) setStats(name string, peers []api.PeerStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.stats[name] = peers
}

func (f *fakeService) Status(_ context.Context, name string) (api.Status, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check(); err != nil {
		return api.Status{}, err
	}
	st := api.Status{KillSwitch: f.killSwitch, Network: f.networks.Current}
	for _, t := range f.tunnels {
		if name != "" && t.Name != name {
			continue
		}
		ts := api.TunnelStatus{Name: t.Name, State: t.State, Start: t.Start, Networks: t.Networks, Paused: t.Paused, Error: t.Error, NeedsKeys: t.NeedsKeys, Health: t.Health}
		cfg := t.cfg
		ts.Interface = &api.InterfaceStatus{PublicKey: t.PublicKey, ListenPort: cfg.Interface.ListenPort, Addresses: cfg.Interface.Addresses, DNS: cfg.Interface.DNS}
		if t.State == api.StateUp {
			ts.Interface.Name = t.ifname
		}
		if t.State == api.StateUp && f.stats[t.Name] != nil {
			ts.Peers = slices.Clone(f.stats[t.Name])
		} else {
			// As the service does: the configured peers, without statistics.
			for _, p := range cfg.Peers {
				ts.Peers = append(ts.Peers, api.PeerStatus{PublicKey: p.PublicKey.String(), Endpoint: p.Endpoint.String(),
					AllowedIPs: p.AllowedIPs, PersistentKeepalive: p.PersistentKeepalive})
			}
		}
		for i := range ts.Peers {
			if rp := f.rosenpass[t.Name][ts.Peers[i].PublicKey]; rp != nil {
				c := *rp
				if t.State != api.StateUp {
					c.State, c.Reason, c.LastExchange = "", "", nil
				}
				ts.Peers[i].Rosenpass = &c
			}
		}
		st.Tunnels = append(st.Tunnels, ts)
	}
	return st, nil
}

func (f *fakeService) Events(ctx context.Context, fn func(api.Event)) error {
	f.mu.Lock()
	if err := f.check(); err != nil {
		f.mu.Unlock()
		return err
	}
	sub := make(chan api.Event, 100)
	f.subs = append(f.subs, sub)
	var snapshot []api.Event
	for _, t := range f.tunnels {
		snapshot = append(snapshot, f.tunnelEvent(t))
	}
	ks := f.killSwitch
	nets := f.networksLocked()
	f.mu.Unlock()
	for _, ev := range snapshot {
		fn(ev)
	}
	fn(api.Event{Type: api.EventKillSwitch, KillSwitch: &ks})
	fn(api.Event{Type: api.EventNetwork, Networks: &nets})
	fn(api.Event{Type: api.EventReady})
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-sub:
			if !ok {
				return errors.New("read event: connection reset by peer")
			}
			fn(ev)
		}
	}
}

func (f *fakeService) Import(_ context.Context, name string, cfg *importer.Config) (api.Tunnel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("import %s", name)
	if err := f.check(); err != nil {
		return api.Tunnel{}, err
	}
	if _, ok := f.tunnels[name]; ok {
		return api.Tunnel{}, &client.Error{Status: 409, Code: api.CodeExists, Message: "a tunnel named " + name + " exists already"}
	}
	if slices.Contains(f.held, name) {
		return api.Tunnel{}, &client.Error{Status: 409, Code: api.CodeExists, Message: "a tunnel named " + name + " is being created"}
	}
	f.addLocked(name, cfg, api.StateDown)
	return f.tunnels[name].Tunnel, nil
}

func (f *fakeService) ImportDerived(_ context.Context, name string, cfg *importer.Config) (api.Tunnel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("import derived %s", name)
	if err := f.check(); err != nil {
		return api.Tunnel{}, err
	}
	base := name
	for n := 2; f.tunnels[name] != nil; n++ {
		name = importer.NumberedName(base, n)
	}
	f.addLocked(name, cfg, api.StateDown)
	return f.tunnels[name].Tunnel, nil
}

func (f *fakeService) Rename(_ context.Context, name, newName string) (api.Tunnel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("rename %s %s", name, newName)
	if err := f.check(); err != nil {
		return api.Tunnel{}, err
	}
	t := f.tunnels[name]
	if t == nil {
		return api.Tunnel{}, &client.Error{Status: 404, Code: api.CodeNotFound, Message: "no tunnel " + name}
	}
	if t.State != api.StateDown {
		return api.Tunnel{}, &client.Error{Status: 409, Code: api.CodeConflict, Message: name + " is " + string(t.State) + ": bring it down first"}
	}
	delete(f.tunnels, name)
	f.broadcast(api.Event{Type: api.EventRemoved, Tunnel: &api.Tunnel{Name: name}})
	f.addLocked(newName, t.cfg, api.StateDown)
	return f.tunnels[newName].Tunnel, nil
}

func (f *fakeService) Update(_ context.Context, name string, cfg *importer.Config) (api.UpdateResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("update %s", name)
	if err := f.check(); err != nil {
		return api.UpdateResult{}, err
	}
	state := f.tunnels[name].State
	f.addLocked(name, cfg, state)
	applied := api.AppliedSaved
	if state == api.StateUp {
		applied = api.AppliedLive
	}
	return api.UpdateResult{Tunnel: f.tunnels[name].Tunnel, Applied: applied}, nil
}

func (f *fakeService) Delete(_ context.Context, name string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("delete %s", name)
	if err := f.check(); err != nil {
		return err
	}
	delete(f.tunnels, name)
	f.broadcast(api.Event{Type: api.EventRemoved, Tunnel: &api.Tunnel{Name: name}})
	return nil
}

func (f *fakeService) Export(_ context.Context, name string) (*importer.Config, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.check(); err != nil {
		return nil, err
	}
	return f.tunnels[name].cfg, nil
}

func (f *fakeService) Up(_ context.Context, name string) (api.Tunnel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("up %s", name)
	if err := f.check(); err != nil {
		return api.Tunnel{}, err
	}
	t := f.tunnels[name]
	t.State, t.NeedsKeys = api.StateUp, false
	f.broadcast(f.tunnelEvent(t))
	return t.Tunnel, nil
}

func (f *fakeService) Down(_ context.Context, name string) (api.Tunnel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("down %s", name)
	if err := f.check(); err != nil {
		return api.Tunnel{}, err
	}
	t := f.tunnels[name]
	t.State = api.StateDown
	f.broadcast(f.tunnelEvent(t))
	return t.Tunnel, nil
}

func (f *fakeService) SetStart(_ context.Context, name string, mode api.StartMode) (api.Tunnel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("start %s %s", name, mode)
	if err := f.check(); err != nil {
		return api.Tunnel{}, err
	}
	t := f.tunnels[name]
	t.Start = mode
	f.broadcast(f.tunnelEvent(t))
	return t.Tunnel, nil
}

func (f *fakeService) Restore(ctx context.Context) ([]string, error) {
	f.mu.Lock()
	var names []string
	for _, t := range f.tunnels {
		if t.Mine && (t.NeedsKeys || client.StartsAtLogin(t.Tunnel)) {
			names = append(names, t.Name)
		}
	}
	f.called("restore")
	f.mu.Unlock()
	for _, n := range names {
		if _, err := f.Up(ctx, n); err != nil {
			return nil, err
		}
	}
	return names, nil
}

func (f *fakeService) SetKillSwitch(_ context.Context, mode api.KillSwitchMode, allowLAN bool) (api.KillSwitch, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("killswitch %s lan=%v", mode, allowLAN)
	if err := f.check(); err != nil {
		return api.KillSwitch{}, err
	}
	f.killSwitch = api.KillSwitch{Mode: mode, AllowLAN: allowLAN, Changeable: true, Active: mode == api.KillSwitchAlways}
	ks := f.killSwitch
	f.broadcast(api.Event{Type: api.EventKillSwitch, KillSwitch: &ks})
	return ks, nil
}

// setRosenpass sets what the service reports of a peer's Rosenpass.
func (f *fakeService) setRosenpass(name, peer string, st *api.RosenpassStatus) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rosenpass[name] == nil {
		f.rosenpass[name] = map[string]*api.RosenpassStatus{}
	}
	f.rosenpass[name][peer] = st
}

func (f *fakeService) RosenpassOn(_ context.Context, name, peer string, peerKey []byte, endpoint string) (api.Tunnel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("rosenpass %s %s on key=%d endpoint=%s", name, peer, len(peerKey), endpoint)
	if err := f.check(); err != nil {
		return api.Tunnel{}, err
	}
	if len(peerKey) != 524160 {
		return api.Tunnel{}, fmt.Errorf("the peer's Rosenpass public key is %d bytes, not 524160: use the server's pqpk file", len(peerKey))
	}
	if f.rosenpass[name] == nil {
		f.rosenpass[name] = map[string]*api.RosenpassStatus{}
	}
	f.rosenpass[name][peer] = &api.RosenpassStatus{Endpoint: endpoint}
	return f.tunnels[name].Tunnel, nil
}

func (f *fakeService) RosenpassOff(_ context.Context, name, peer string) (api.Tunnel, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("rosenpass %s %s off", name, peer)
	if err := f.check(); err != nil {
		return api.Tunnel{}, err
	}
	delete(f.rosenpass[name], peer)
	return f.tunnels[name].Tunnel, nil
}

func (f *fakeService) RosenpassPublicKey(_ context.Context, name string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("rosenpass %s export", name)
	if err := f.check(); err != nil {
		return nil, err
	}
	if f.pqKeys[name] == nil {
		k := make([]byte, 524160)
		for i := range k {
			k[i] = byte(i)
		}
		f.pqKeys[name] = k
	}
	return f.pqKeys[name], nil
}

func (f *fakeService) FollowLogs(ctx context.Context, fn func(api.LogEntry)) error {
	f.mu.Lock()
	logs := slices.Clone(f.logs)
	f.mu.Unlock()
	for _, e := range logs {
		fn(e)
	}
	<-ctx.Done()
	return nil
}

// harness runs an App against a fake service with every UI update queued
// for the test goroutine, so widgets are touched from one goroutine only.
type harness struct {
	t     *testing.T
	svc   *fakeService
	app   *App
	fy    *notifyingApp
	queue chan func()
	now   time.Time
	mu    sync.Mutex
}

var epoch = time.Date(2026, 11, 22, 6, 0, 0, 0, time.UTC)

func newHarness(t *testing.T, svc *fakeService) *harness {
	t.Helper()
	fy := &notifyingApp{App: test.NewTempApp(t)}
	h := &harness{t: t, svc: svc, queue: make(chan func(), 4096), now: epoch, fy: fy}
	h.app = New(fy, svc, Options{
		Do:         func(f func()) { h.queue <- f },
		Now:        h.clock,
		Retry:      20 * time.Millisecond,
		Poll:       time.Hour, // tests fetch statistics with pollNow
		HiddenPoll: 2 * time.Hour,
	})
	h.app.Window().Resize(fyne.NewSize(900, 640))
	h.app.Show()
	h.app.Start()
	t.Cleanup(func() {
		done := make(chan struct{})
		go func() { h.app.Stop(); close(done) }()
		for {
			select {
			case <-done:
				return
			case f := <-h.queue:
				f()
			}
		}
	})
	return h
}

// notifyingApp counts the notifications the app sends, so a test can wait
// for one; test.AssertNotificationSent still sees them.
type notifyingApp struct {
	fyne.App
	sent atomic.Int32
}

func (a *notifyingApp) SendNotification(n *fyne.Notification) {
	a.sent.Add(1)
	a.App.SendNotification(n)
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.now = h.now.Add(d)
}

// waitFor runs queued UI updates until cond holds, failing after 10 s.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.After(10 * time.Second)
	for !cond() {
		select {
		case f := <-h.queue:
			f()
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			h.t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// settle runs queued UI updates until none arrives for 50 ms.
func (h *harness) settle() {
	// A service that stays down keeps the queue busy with retries: settle
	// for at most a second then.
	enough := time.After(time.Second)
	for {
		select {
		case f := <-h.queue:
			f()
		case <-time.After(50 * time.Millisecond):
			return
		case <-enough:
			return
		}
	}
}

// pollNow fetches statistics as the 1 s ticker would.
func (h *harness) pollNow() {
	h.t.Helper()
	st, err := h.svc.Status(context.Background(), "")
	if err != nil {
		h.t.Fatal(err)
	}
	h.app.applyStatus(st)
}

func (h *harness) ready() {
	h.t.Helper()
	h.waitFor("the event snapshot", func() bool { return h.app.ready })
	h.settle()
}

func (h *harness) called(call string) func() bool {
	return func() bool { return slices.Contains(h.svc.Calls(), call) }
}

// texts collects every label and button text under o, in tree order.
func texts(o fyne.CanvasObject) []string {
	var out []string
	walkVisible(o, func(o fyne.CanvasObject) {
		switch w := o.(type) {
		case *widget.Label:
			out = append(out, w.Text)
		case *widget.Button:
			out = append(out, w.Text)
		case *widget.RichText:
			out = append(out, w.String())
		}
	})
	return out
}

// walkVisible calls visit for o and every visible object under it, in
// tree order.
func walkVisible(o fyne.CanvasObject, visit func(fyne.CanvasObject)) {
	if o == nil || !o.Visible() {
		return
	}
	visit(o)
	if c, ok := o.(*fyne.Container); ok {
		for _, child := range c.Objects {
			walkVisible(child, visit)
		}
		return
	}
	if w, ok := o.(fyne.Widget); ok {
		for _, child := range test.WidgetRenderer(w).Objects() {
			walkVisible(child, visit)
		}
	}
}

// overlayTexts is texts of the topmost dialog.
func (h *harness) overlayTexts() []string {
	top := h.app.Window().Canvas().Overlays().Top()
	if top == nil {
		return nil
	}
	return texts(top)
}

// config builds a valid config with a fresh key pair and one peer.
func config(t *testing.T, address, endpoint string) *importer.Config {
	t.Helper()
	priv, err := importer.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	peer, err := importer.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := splitHostPort(endpoint)
	return &importer.Config{
		Interface: importer.Interface{
			PrivateKey: priv,
			ListenPort: 51820,
			Addresses:  []netip.Prefix{netip.MustParsePrefix(address)},
			DNS:        []netip.Addr{netip.MustParseAddr("10.64.0.1")},
		},
		Peers: []importer.Peer{{
			PublicKey:  peer.Public(),
			AllowedIPs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")},
			Endpoint:   importer.Endpoint{Host: host, Port: port},
		}},
	}
}

func splitHostPort(s string) (string, uint16, error) {
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return "", 0, err
	}
	return ap.Addr().String(), ap.Port(), nil
}
