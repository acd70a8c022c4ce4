package tray

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wgtray/wgtray/assets"
	"github.com/wgtray/wgtray/service/api"
)

// fakeService is a service whose event stream the test writes.
type fakeService struct {
	mu      sync.Mutex
	events  chan api.Event
	drop    chan struct{} // closing it breaks the current stream
	down    bool
	calls   []string
	status  api.Status
	tunnels map[string]api.Tunnel
}

func newFakeService() *fakeService {
	return &fakeService{events: make(chan api.Event, 64), drop: make(chan struct{}), tunnels: map[string]api.Tunnel{}}
}

func (s *fakeService) Events(ctx context.Context, fn func(api.Event)) error {
	s.mu.Lock()
	if s.down {
		s.mu.Unlock()
		return errors.New("connect: no such file or directory")
	}
	drop := s.drop
	var snapshot []api.Tunnel
	for _, t := range s.tunnels {
		snapshot = append(snapshot, t)
	}
	s.mu.Unlock()
	for _, t := range snapshot {
		fn(api.Event{Type: api.EventTunnel, Tunnel: &t})
	}
	fn(api.Event{Type: api.EventReady})
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-drop:
			return io.ErrUnexpectedEOF
		case ev := <-s.events:
			fn(ev)
		}
	}
}

func (s *fakeService) Status(context.Context, string) (api.Status, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.status, nil
}

func (s *fakeService) call(c string) {
	s.mu.Lock()
	s.calls = append(s.calls, c)
	s.mu.Unlock()
}

func (s *fakeService) Up(_ context.Context, name string) (api.Tunnel, error) {
	s.call("up " + name)
	return api.Tunnel{}, nil
}

func (s *fakeService) Down(_ context.Context, name string) (api.Tunnel, error) {
	s.call("down " + name)
	return api.Tunnel{}, nil
}

func (s *fakeService) Restore(context.Context) ([]string, error) {
	s.call("restore")
	return nil, nil
}

func (s *fakeService) SetKillSwitch(_ context.Context, mode api.KillSwitchMode, lan bool) (api.KillSwitch, error) {
	s.call(fmt.Sprintf("killswitch %s lan=%v", mode, lan))
	return api.KillSwitch{Mode: mode, AllowLAN: lan, Changeable: true}, nil
}

// set changes a tunnel as the service would and sends its event.
func (s *fakeService) set(t api.Tunnel) {
	s.mu.Lock()
	s.tunnels[t.Name] = t
	s.mu.Unlock()
	s.events <- api.Event{Type: api.EventTunnel, Tunnel: &t}
}

// fakeHost records what the tray shows.
type fakeHost struct {
	mu      sync.Mutex
	icon    assets.State
	tooltip string
	menu    []Item
	menus   int
}

func (h *fakeHost) SetIcon(s assets.State) { h.mu.Lock(); h.icon = s; h.mu.Unlock() }
func (h *fakeHost) SetText(_, tip string)  { h.mu.Lock(); h.tooltip = tip; h.mu.Unlock() }
func (h *fakeHost) SetMenu(m []Item)       { h.mu.Lock(); h.menu = m; h.menus++; h.mu.Unlock() }

func (h *fakeHost) text() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return MenuText(h.menu)
}

// item finds an entry by label, in submenus too.
func (h *fakeHost) item(label string) (Item, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var find func([]Item) (Item, bool)
	find = func(items []Item) (Item, bool) {
		for _, it := range items {
			if it.Label == label {
				return it, true
			}
			if sub, ok := find(it.Sub); ok {
				return sub, true
			}
		}
		return Item{}, false
	}
	return find(h.menu)
}

type fakeNotifier struct {
	mu   sync.Mutex
	sent []string
}

func (n *fakeNotifier) Notify(title, body string) {
	n.mu.Lock()
	n.sent = append(n.sent, title+": "+body)
	n.mu.Unlock()
}

func (n *fakeNotifier) all() []string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return slices.Clone(n.sent)
}

type fakeWindow struct {
	mu       sync.Mutex
	commands []string
}

func (w *fakeWindow) Open(c string) { w.mu.Lock(); w.commands = append(w.commands, c); w.mu.Unlock() }

type harness struct {
	t     *testing.T
	svc   *fakeService
	host  *fakeHost
	notes *fakeNotifier
	win   *fakeWindow
	agent *Agent
	quit  chan struct{}
	mu    sync.Mutex
	now   time.Time
}

func newHarness(t *testing.T, svc *fakeService) *harness {
	h := &harness{t: t, svc: svc, host: &fakeHost{}, notes: &fakeNotifier{}, win: &fakeWindow{}, quit: make(chan struct{}),
		now: time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)}
	h.agent = NewAgent(svc, h.host, h.notes, h.win, Options{
		Retry: 10 * time.Millisecond, Check: time.Hour, Now: h.clock,
		Quit: func() { close(h.quit) }, Log: slog.New(slog.DiscardHandler),
	})
	h.agent.Start()
	t.Cleanup(h.agent.Stop)
	return h
}

func (h *harness) clock() time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.now
}

func (h *harness) advance(d time.Duration) {
	h.mu.Lock()
	h.now = h.now.Add(d)
	h.mu.Unlock()
}

// waitFor polls cond for up to 5 s.
func (h *harness) waitFor(what string, cond func() bool) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			h.t.Fatalf("timed out waiting for %s; menu:\n%s\ntooltip %q, notifications %q, calls %q", what, h.host.text(), h.host.tooltip, h.notes.all(), h.svc.calls)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func (h *harness) called(c string) func() bool {
	return func() bool {
		h.svc.mu.Lock()
		defer h.svc.mu.Unlock()
		return slices.Contains(h.svc.calls, c)
	}
}

func (h *harness) shows(icon assets.State, tip string) func() bool {
	return func() bool {
		h.host.mu.Lock()
		defer h.host.mu.Unlock()
		return h.host.icon == icon && strings.HasPrefix(h.host.tooltip, tip)
	}
}

func TestMenuHoldsEveryEntryInEveryState(t *testing.T) {
	svc := newFakeService()
	svc.down = true
	h := newHarness(t, svc)
	h.waitFor("the menu without a service", func() bool { return h.host.menus > 0 })
	want := `Service not running (disabled)
--
Kill switch (disabled)
  [ ] Off (disabled)
  [ ] Auto (disabled)
  [ ] Always (disabled)
  --
  [ ] Allow LAN (disabled)
--
Open wgtray…
Import tunnel(s) from file…
--
Quit
`
	if got := h.host.text(); got != want {
		t.Fatalf("menu without a service:\n%s\nwant:\n%s", got, want)
	}
	if !h.shows(assets.Error, "wgtray: the service is not running")() {
		t.Errorf("icon %d, tooltip %q", h.host.icon, h.host.tooltip)
	}

	svc.mu.Lock()
	svc.down = false
	svc.tunnels["office"] = api.Tunnel{Name: "office", State: api.StateUp, Mine: true}
	svc.tunnels["home"] = api.Tunnel{Name: "home", State: api.StateFailed, Error: "no route to host", Mine: true}
	svc.tunnels["lab"] = api.Tunnel{Name: "lab", State: api.StateStarting, Mine: true}
	svc.tunnels["theirs"] = api.Tunnel{Name: "theirs", State: api.StateDown}
	svc.tunnels["paused"] = api.Tunnel{Name: "paused", State: api.StateDown, Mine: true, Networks: api.NetworksUntrusted, Paused: "paused: trusted network home"}
	svc.mu.Unlock()
	want = `[ ] home: failed: no route to host
[x] lab: connecting…
[x] office
[ ] paused: paused, trusted network home
[ ] theirs (disabled)
--
Kill switch
  [x] Off
  [ ] Auto
  [ ] Always
  --
  [ ] Allow LAN
--
Open wgtray…
Import tunnel(s) from file…
--
Quit
`
	h.waitFor("the menu with tunnels", func() bool { return h.host.text() == want })

	for _, c := range []struct{ label, call string }{
		{"home: failed: no route to host", "up home"},
		{"office", "down office"},
		{"paused: paused, trusted network home", "up paused"},
		{"Always", "killswitch always lan=false"},
	} {
		it, _ := h.host.item(c.label)
		it.Do()
		h.waitFor(c.call, h.called(c.call))
	}
	h.waitFor("Always ticked alone", func() bool {
		return strings.Contains(h.host.text(), "  [ ] Off\n  [ ] Auto\n  [x] Always\n")
	})
	it, _ := h.host.item("Allow LAN")
	it.Do()
	h.waitFor("allow LAN", h.called("killswitch always lan=true"))

	for label, command := range map[string]string{"Open wgtray…": "show", "Import tunnel(s) from file…": "import"} {
		it, _ := h.host.item(label)
		it.Do()
		h.waitFor(label, func() bool { h.win.mu.Lock(); defer h.win.mu.Unlock(); return slices.Contains(h.win.commands, command) })
	}
	quit, _ := h.host.item("Quit")
	quit.Do()
	select {
	case <-h.quit:
	case <-time.After(5 * time.Second):
		t.Fatal("Quit did not quit")
	}
	if got, want := h.notes.all(), "wgtray quit: Still connected: lab, office. Start wgtray again to see or change them."; !slices.Contains(got, want) {
		t.Errorf("Quit with tunnels up told %q, want %q", got, want)
	}
}

// A lockdown an administrator set shows as locked, with who can change it,
// and its modes cannot be picked; once the administrator unlocks it, they
// can.
func TestKillSwitchLockedByAnAdministratorShowsLockedInTheMenu(t *testing.T) {
	svc := newFakeService()
	h := newHarness(t, svc)
	h.waitFor("the menu", func() bool { return strings.Contains(h.host.text(), "Kill switch\n") })
	svc.events <- api.Event{Type: api.EventKillSwitch, KillSwitch: &api.KillSwitch{Mode: api.KillSwitchAlways, SetByAdmin: true, Active: true}}
	want := `Kill switch
  Locked: set by an administrator; only an administrator can change it (disabled)
  --
  [ ] Off (disabled)
  [ ] Auto (disabled)
  [x] Always (disabled)
  --
  [ ] Allow LAN (disabled)
--
`
	h.waitFor("the locked kill switch", func() bool { return strings.Contains(h.host.text(), want) })
	svc.events <- api.Event{Type: api.EventKillSwitch, KillSwitch: &api.KillSwitch{Mode: api.KillSwitchAlways, Changeable: true, Active: true}}
	h.waitFor("the unlocked kill switch", func() bool {
		return strings.Contains(h.host.text(), "Kill switch\n  [ ] Off\n  [ ] Auto\n  [x] Always\n")
	})
}

func TestIconFollowsStateAndNotifiesOnChanges(t *testing.T) {
	svc := newFakeService()
	svc.tunnels["office"] = api.Tunnel{Name: "office", State: api.StateDown, Mine: true}
	h := newHarness(t, svc)
	h.waitFor("idle", h.shows(assets.Idle, "wgtray: no tunnel is up"))

	svc.set(api.Tunnel{Name: "office", State: api.StateStarting, Mine: true})
	h.waitFor("connecting", h.shows(assets.Connecting, "office: connecting…"))
	svc.set(api.Tunnel{Name: "office", State: api.StateUp, Mine: true})
	h.waitFor("waiting for the handshake", h.shows(assets.Connecting, "office: connected, waiting for the first handshake"))
	shake := h.clock()
	svc.mu.Lock()
	svc.status = api.Status{Tunnels: []api.TunnelStatus{{Name: "office", State: api.StateUp, Peers: []api.PeerStatus{{LatestHandshake: &shake}}}}}
	svc.mu.Unlock()
	h.waitFor("up with a handshake (looked again within a second)", h.shows(assets.Up, "office: connected, handshake 0 s ago"))

	h.advance(3*time.Minute + time.Second)
	h.agent.wakeCheck()
	h.waitFor("stale", h.shows(assets.Stale, "office: connected, no handshake for 3 min"))
	h.agent.wakeCheck()
	svc.set(api.Tunnel{Name: "office", State: api.StateFailed, Error: "bind: address in use", Mine: true})
	h.waitFor("failed", h.shows(assets.Error, "office: failed: bind: address in use"))
	svc.set(api.Tunnel{Name: "office", State: api.StateDown, Mine: true})
	h.waitFor("idle again", h.shows(assets.Idle, "wgtray: no tunnel is up"))
	svc.events <- api.Event{Type: api.EventKillSwitch, KillSwitch: &api.KillSwitch{Mode: api.KillSwitchAlways, Active: true}}
	h.waitFor("lockdown", h.shows(assets.Lockdown, "Blocking all traffic (kill switch: always)"))

	want := []string{
		"office connected: The tunnel is up.",
		"office: no handshake: No handshake for 3 minutes. Check the endpoint, the peer's public key and that the peer is running.",
		"office failed: bind: address in use",
	}
	h.waitFor("the notifications", func() bool { return len(h.notes.all()) >= len(want) })
	if got := h.notes.all(); !slices.Equal(got, want) {
		t.Errorf("notifications %q, want %q (the stale one once)", got, want)
	}
}

func TestServiceLossShowsAndItsReturnGetsTheKeysAgain(t *testing.T) {
	svc := newFakeService()
	svc.tunnels["office"] = api.Tunnel{Name: "office", State: api.StateUp, Mine: true}
	h := newHarness(t, svc)
	h.waitFor("up", h.shows(assets.Connecting, "office: connected"))

	svc.mu.Lock()
	svc.down = true
	svc.tunnels["office"] = api.Tunnel{Name: "office", State: api.StateDown, NeedsKeys: true, Mine: true}
	close(svc.drop)
	svc.drop = make(chan struct{})
	svc.mu.Unlock()
	h.waitFor("the service gone", h.shows(assets.Error, "wgtray: the service is not running"))
	h.waitFor("told", func() bool {
		return slices.Contains(h.notes.all(), "wgtray service stopped: Tunnels cannot be changed until it is back.")
	})

	svc.mu.Lock()
	svc.down = false
	svc.mu.Unlock()
	h.waitFor("the keys sent again", h.called("restore"))
	if it, ok := h.host.item("office"); !ok || !it.Checked {
		t.Errorf("a tunnel the service wants up is not ticked:\n%s", h.host.text())
	}
}

func TestTunnelsSetToStartAtLoginComeUpWhenTheAgentConnects(t *testing.T) {
	for _, tc := range []struct {
		name    string
		tunnel  api.Tunnel
		restore bool
	}{
		{"login, down", api.Tunnel{Name: "office", State: api.StateDown, Start: api.StartLogin, Mine: true}, true},
		{"login, failed before", api.Tunnel{Name: "office", State: api.StateFailed, Start: api.StartLogin, Mine: true}, true},
		{"login, already up", api.Tunnel{Name: "office", State: api.StateUp, Start: api.StartLogin, Mine: true}, false},
		{"manual", api.Tunnel{Name: "office", State: api.StateDown, Start: api.StartManual, Mine: true}, false},
		{"another user's", api.Tunnel{Name: "office", State: api.StateDown}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := newFakeService()
			svc.tunnels["office"] = tc.tunnel
			h := newHarness(t, svc)
			h.waitFor("the menu", func() bool {
				_, ok := h.host.item("Quit")
				return ok && !strings.Contains(h.host.text(), menuNoService)
			})
			if tc.restore {
				h.waitFor("the tunnel brought up", h.called("restore"))
				return
			}
			time.Sleep(50 * time.Millisecond)
			if h.called("restore")() {
				t.Error("brought up a tunnel that is not to start at login")
			}
		})
	}
}

// A tunnel that waits for the network shows the connecting icon and says
// so in words, and goes back to connected when the network is back (the
// handshakes fetched at once); peers that stop answering are told once,
// and the stale-handshake warning does not repeat it.
func TestTrayFollowsTheNetworkUnderATunnel(t *testing.T) {
	svc := newFakeService()
	hs := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	svc.status = api.Status{Tunnels: []api.TunnelStatus{{Name: "office", State: api.StateUp, Peers: []api.PeerStatus{{LatestHandshake: &hs}}}}}
	svc.tunnels["office"] = api.Tunnel{Name: "office", State: api.StateUp, Mine: true}
	h := newHarness(t, svc)
	h.waitFor("connected", h.shows(assets.Up, "office: connected, handshake"))

	svc.set(api.Tunnel{Name: "office", State: api.StateUp, Mine: true, Health: api.Health{NoNetwork: true}})
	h.waitFor("waiting for the network", h.shows(assets.Connecting, "office: waiting for the network"))
	if it, ok := h.host.item("office: waiting for the network"); !ok || !it.Checked {
		t.Errorf("the menu lacks the checked entry \"office: waiting for the network\":\n%s", h.host.text())
	}

	h.advance(time.Minute)
	later := hs.Add(time.Minute)
	svc.mu.Lock()
	svc.status.Tunnels[0].Peers[0].LatestHandshake = &later
	svc.mu.Unlock()
	svc.set(api.Tunnel{Name: "office", State: api.StateUp, Mine: true})
	h.waitFor("connected again with the new handshake", h.shows(assets.Up, "office: connected, handshake 0 s ago"))

	for range 3 {
		svc.set(api.Tunnel{Name: "office", State: api.StateUp, Mine: true, Health: api.Health{Unanswered: true}})
		svc.set(api.Tunnel{Name: "office", State: api.StateUp, Mine: true, Health: api.Health{Unanswered: true}})
	}
	h.waitFor("the notification", func() bool { return len(h.notes.all()) > 0 })
	h.waitFor("the stale icon", h.shows(assets.Stale, "office: connected, the peer answers nothing"))
	h.advance(5 * time.Minute)
	h.agent.wakeCheck()
	time.Sleep(100 * time.Millisecond)
	if got := h.notes.all(); len(got) != 1 || !strings.HasPrefix(got[0], "office: no answer: ") {
		t.Errorf("notifications %q, want one that office has no answer", got)
	}
}

// A tunnel the service takes down because the laptop joined a trusted
// network says so in the tooltip, the menu and one notification; its icon
// is idle (nothing is meant to run), not failed and not connecting; and
// it is connected again when the laptop leaves.
func TestTunnelPausedOnATrustedNetworkSaysSoAndIsNotUp(t *testing.T) {
	svc := newFakeService()
	hs := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	svc.status = api.Status{Tunnels: []api.TunnelStatus{{Name: "office", State: api.StateUp, Peers: []api.PeerStatus{{LatestHandshake: &hs}}}}}
	svc.tunnels["office"] = api.Tunnel{Name: "office", State: api.StateUp, Mine: true, Networks: api.NetworksUntrusted}
	h := newHarness(t, svc)
	h.waitFor("connected", h.shows(assets.Up, "office: connected, handshake"))

	// As the service pauses it: stopping, then down, both with the reason.
	svc.set(api.Tunnel{Name: "office", State: api.StateStopping, Mine: true, Networks: api.NetworksUntrusted, Paused: "paused: trusted network home"})
	svc.set(api.Tunnel{Name: "office", State: api.StateDown, Mine: true, Networks: api.NetworksUntrusted, Paused: "paused: trusted network home"})
	h.waitFor("paused", h.shows(assets.Idle, "office: paused, trusted network home"))
	if it, ok := h.host.item("office: paused, trusted network home"); !ok || it.Checked || it.Disabled {
		t.Errorf("the menu lacks the enabled, unticked entry \"office: paused, trusted network home\":\n%s", h.host.text())
	}
	h.waitFor("the notification", func() bool { return len(h.notes.all()) > 0 })
	if got, want := h.notes.all(), "office: paused, trusted network home: This network is trusted: the tunnel runs only on untrusted networks and comes up again when this computer leaves it."; len(got) != 1 || got[0] != want {
		t.Errorf("notifications %q, want only %q", got, want)
	}

	svc.set(api.Tunnel{Name: "office", State: api.StateUp, Mine: true, Networks: api.NetworksUntrusted})
	h.waitFor("connected again", h.shows(assets.Up, "office: connected, handshake"))
	if !strings.Contains(h.host.text(), "[x] office\n") {
		t.Errorf("office is not ticked once up again:\n%s", h.host.text())
	}
}
