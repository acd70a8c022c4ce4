package tray

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wgtray/wgtray/assets"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

// Service is what the agent needs from wgtrayd: *client.Client with the
// user's key store.
type Service interface {
	// Events calls fn for every state change until ctx ends or the
	// connection breaks; the stream opens with a snapshot and EventReady.
	Events(ctx context.Context, fn func(api.Event)) error
	Status(ctx context.Context, name string) (api.Status, error)
	Up(ctx context.Context, name string) (api.Tunnel, error)
	Down(ctx context.Context, name string) (api.Tunnel, error)
	// Restore sends the keys again for tunnels the service wants up but
	// holds no keys for (it restarted).
	Restore(ctx context.Context) ([]string, error)
	SetKillSwitch(ctx context.Context, mode api.KillSwitchMode, allowLAN bool) (api.KillSwitch, error)
}

// Host shows the icon, the words and the menu: the systray on a desktop.
type Host interface {
	SetIcon(assets.State)
	// SetText sets the title (one line) and the tooltip (every line).
	SetText(title, tooltip string)
	// SetMenu replaces the menu. Called only when it changed.
	SetMenu([]Item)
}

// Item is one entry of the tray menu.
type Item struct {
	Label     string
	Separator bool
	// Checkable items show a check box, ticked when Checked.
	Checkable, Checked bool
	Disabled           bool
	// Sub makes the item a submenu.
	Sub []Item
	Do  func()
}

// Notifier shows a desktop notification; a click on it opens the window.
type Notifier interface {
	Notify(title, body string)
}

// Window opens the window process (or brings it to the front) with one
// command: "show", or "import" for the file dialog.
type Window interface {
	Open(command string)
}

// The menu's fixed entries, kept together for translation.
const (
	menuNoService  = "Service not running"
	menuNoTunnels  = "No tunnels"
	menuKillSwitch = "Kill switch"
	menuOff        = "Off"
	menuAuto       = "Auto"
	menuAlways     = "Always"
	menuAllowLAN   = "Allow LAN"
	menuKSLocked   = "Locked: set by an administrator; only an administrator can change it"
	menuOpen       = "Open wgtray…"
	menuImport     = "Import tunnel(s) from file…"
	menuQuit       = "Quit"
	textStayUp     = "Still connected: %s. Start wgtray again to see or change them."
)

// Options tune an Agent; zero values are what the desktop uses.
type Options struct {
	// Retry is the longest delay between attempts to reach the service
	// (30 s); the first comes after 0.25 s, and the delay doubles.
	Retry time.Duration
	// Appeared fires when the service's socket appears (WatchSocket):
	// then the agent tries again at once.
	Appeared <-chan struct{}
	// Check is the slowest the agent looks at the handshakes while a
	// tunnel is up (30 s); it looks sooner only when a handshake is
	// about to turn stale or a tunnel has just come up.
	Check time.Duration
	// Now is the clock.
	Now func() time.Time
	// Quit ends the agent (the Quit item).
	Quit func()
	Log  *slog.Logger
}

// Agent follows the service's events and keeps the tray true to them.
type Agent struct {
	svc    Service
	host   Host
	notify Notifier
	win    Window
	opts   Options

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	wake   chan struct{} // asks the checker to fetch statistics now

	mu        sync.Mutex
	connected bool
	ready     bool
	tunnels   map[string]api.Tunnel
	peers     map[string][]api.PeerStatus // of up tunnels, from the last status
	upSince   map[string]time.Time
	warned    map[string]bool // told about a stale handshake
	ks        api.KillSwitch
	menu      string // the menu last handed to the host, as text
	icon      assets.State
	text      string
	shown     bool
	recheck   time.Duration
}

// NewAgent returns an agent; Start runs it.
func NewAgent(svc Service, host Host, notify Notifier, win Window, opts Options) *Agent {
	if opts.Retry == 0 {
		opts.Retry = 30 * time.Second
	}
	if opts.Check == 0 {
		opts.Check = 30 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Quit == nil {
		opts.Quit = func() {}
	}
	if opts.Log == nil {
		opts.Log = slog.Default()
	}
	a := &Agent{
		svc: svc, host: host, notify: notify, win: win, opts: opts,
		wake:    make(chan struct{}, 1),
		tunnels: map[string]api.Tunnel{},
		peers:   map[string][]api.PeerStatus{},
		upSince: map[string]time.Time{},
		warned:  map[string]bool{},
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	return a
}

// Start shows the tray and follows the service until Stop.
func (a *Agent) Start() {
	a.mu.Lock()
	a.update()
	a.mu.Unlock()
	a.wg.Add(2)
	go func() { defer a.wg.Done(); a.follow() }()
	go func() { defer a.wg.Done(); a.check() }()
}

// Stop ends the agent's work and waits for it.
func (a *Agent) Stop() {
	a.cancel()
	a.wg.Wait()
}

// firstRetry is how soon the agent tries to reach the service again after
// losing it; the delay doubles up to Retry.
const firstRetry = 250 * time.Millisecond

// follow reads the event stream, reconnecting whenever it breaks: soon
// after a loss (a restart takes a second or two), then less and less
// often, and at once when the socket appears.
func (a *Agent) follow() {
	retry := time.Duration(0)
	said := "" // the last failure logged, so a service away for long is logged once
	for a.ctx.Err() == nil {
		err := a.svc.Events(a.ctx, a.apply)
		if a.ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("the service closed the connection")
		}
		a.mu.Lock()
		if a.connected {
			a.opts.Log.Info("lost the service", "err", err)
			a.say(tr("wgtray service stopped"), tr("Tunnels cannot be changed until it is back."))
			retry = 0
		} else if err.Error() != said {
			a.opts.Log.Info("cannot reach the service", "err", err)
		}
		said = err.Error()
		a.connected, a.ready = false, false
		a.update()
		a.mu.Unlock()
		retry = min(max(2*retry, firstRetry), a.opts.Retry)
		a.sleep(retry)
	}
}

// sleep waits for d, or until the service's socket appears.
func (a *Agent) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-a.ctx.Done():
	case <-t.C:
	case <-a.opts.Appeared:
	}
}

// apply folds one event into the state and updates the tray.
func (a *Agent) apply(ev api.Event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.connected {
		// A new stream: its snapshot replaces what was known.
		a.connected = true
		a.tunnels = map[string]api.Tunnel{}
	}
	wake := false
	switch ev.Type {
	case api.EventTunnel:
		if ev.Tunnel != nil {
			wake = a.applyTunnel(*ev.Tunnel)
		}
	case api.EventRemoved:
		if ev.Tunnel != nil {
			a.forget(ev.Tunnel.Name)
		}
	case api.EventKillSwitch:
		if ev.KillSwitch != nil {
			a.ks = *ev.KillSwitch
		}
	case api.EventReady:
		a.ready = true
		for name := range a.upSince {
			if a.tunnels[name].State != api.StateUp {
				a.forget(name)
			}
		}
		a.restore()
		wake = true
	}
	a.update()
	if wake {
		a.wakeCheck()
	}
}

func (a *Agent) forget(name string) {
	delete(a.tunnels, name)
	delete(a.peers, name)
	delete(a.upSince, name)
	delete(a.warned, name)
}

// applyTunnel takes a tunnel's new state, notifies about a change the
// user did not see coming, and says whether statistics are needed now.
func (a *Agent) applyTunnel(t api.Tunnel) bool {
	prev, known := a.tunnels[t.Name]
	a.tunnels[t.Name] = t
	if t.State != api.StateUp {
		delete(a.peers, t.Name)
		delete(a.upSince, t.Name)
		delete(a.warned, t.Name)
	} else if _, ok := a.upSince[t.Name]; !ok {
		a.upSince[t.Name] = a.opts.Now()
	}
	if t.State == api.StateUp && known && prev.State == api.StateUp {
		return a.applyHealth(prev, t)
	}
	if !a.ready || !known || prev.State == t.State {
		return t.State == api.StateUp && !known
	}
	switch t.State {
	case api.StateUp:
		a.say(tr("{{.Name}} connected", map[string]string{"Name": t.Name}), tr("The tunnel is up."))
	case api.StateDown:
		switch {
		case t.Paused != "":
			// The laptop joined a trusted network: the service took the
			// tunnel down by itself (up, stopping, down), and says so.
			if prev.State == api.StateUp || prev.State == api.StateStopping {
				a.say(pausedText(t.Name, t.Paused), tr(textPausedBody))
			}
		case prev.State == api.StateUp || prev.State == api.StateStopping:
			a.say(tr("{{.Name}} disconnected", map[string]string{"Name": t.Name}), tr("The tunnel is down."))
		}
	case api.StateFailed:
		a.say(tr("{{.Name}} failed", map[string]string{"Name": t.Name}), t.Error)
	}
	return t.State == api.StateUp
}

// applyHealth takes the new health of a tunnel that stays up: once its
// peers stop answering, the user is told, once (the stale-handshake
// warning then stays quiet); when the network is back, the handshakes are
// fetched at once, so the tooltip says how fresh they are.
func (a *Agent) applyHealth(prev, t api.Tunnel) bool {
	if t.Unanswered && !prev.Unanswered && !a.warned[t.Name] {
		a.warned[t.Name] = true
		a.say(tr("{{.Name}}: no answer", map[string]string{"Name": t.Name}), tr("The peer has answered nothing for 3 minutes, although wgtray reconnected to it. Check that the peer is running and that its endpoint is right."))
	}
	return prev.NoNetwork && !t.NoNetwork
}

// say sends a notification without holding up the caller.
func (a *Agent) say(title, body string) {
	go a.notify.Notify(title, body)
}

// restore brings up what should be up in this user's session each time
// the agent connects (at login, and after the service restarted): the
// tunnels the service wants up without their keys, and those set to start
// at login.
func (a *Agent) restore() {
	need := false
	for _, t := range a.tunnels {
		need = need || (t.Mine && (t.NeedsKeys || client.StartsAtLogin(t)))
	}
	if !need {
		return
	}
	a.run(func(ctx context.Context) error {
		names, err := a.svc.Restore(ctx)
		if err != nil {
			a.say(tr("Could not restore tunnels"), err.Error())
			return nil
		}
		a.opts.Log.Info("sent the keys again", "tunnels", names)
		return nil
	})
}

// run calls the service off the caller's goroutine and tells the user
// when it fails.
func (a *Agent) run(f func(ctx context.Context) error) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		if err := f(a.ctx); err != nil && a.ctx.Err() == nil {
			a.say("wgtray", err.Error())
		}
	}()
}

func (a *Agent) wakeCheck() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

// firstRecheck is how soon after a tunnel came up the agent looks again
// for its first handshake, which usually follows within milliseconds;
// the delay doubles up to Check while there is none.
const firstRecheck = 250 * time.Millisecond

// check fetches statistics for the handshakes: at once after a tunnel
// came up, then 0.25, 0.5, 1… s later until it has its first handshake, then
// when the newest handshake is about to turn stale, at least every Check
// while a tunnel is up; never while none is.
func (a *Agent) check() {
	backoff := time.Duration(0)
	for {
		a.mu.Lock()
		wait := a.nextCheck(backoff)
		a.mu.Unlock()
		var timer *time.Timer
		var fire <-chan time.Time
		if wait > 0 {
			timer = time.NewTimer(wait)
			fire = timer.C
		}
		select {
		case <-a.ctx.Done():
		case <-a.wake:
			backoff = 0
		case <-fire:
		}
		if timer != nil {
			timer.Stop()
		}
		if a.ctx.Err() != nil {
			return
		}
		st, err := a.svc.Status(a.ctx, "")
		if err != nil {
			continue
		}
		a.mu.Lock()
		a.applyStatus(st)
		waiting := a.waitingForHandshake()
		a.update()
		a.mu.Unlock()
		switch {
		case !waiting:
			backoff = 0
		case backoff == 0:
			backoff = firstRecheck
		default:
			backoff = min(2*backoff, a.opts.Check)
		}
	}
}

// nextCheck is how long until statistics are needed, 0 for not at all.
func (a *Agent) nextCheck(backoff time.Duration) time.Duration {
	if !a.connected || len(a.upSince) == 0 {
		return 0
	}
	if backoff > 0 {
		return backoff
	}
	if a.recheck > 0 && a.recheck < a.opts.Check {
		return a.recheck + time.Second
	}
	return a.opts.Check
}

func (a *Agent) waitingForHandshake() bool {
	for name := range a.upSince {
		if !hasHandshake(a.peers[name]) {
			return true
		}
	}
	return false
}

func hasHandshake(peers []api.PeerStatus) bool {
	return !latestHandshake(peers).IsZero()
}

// applyStatus takes the peers of up tunnels from a status and warns once
// about a tunnel whose handshake went stale.
func (a *Agent) applyStatus(st api.Status) {
	a.ks = st.KillSwitch
	now := a.opts.Now()
	for _, s := range st.Tunnels {
		t, ok := a.tunnels[s.Name]
		if !ok || t.State != api.StateUp || s.State != api.StateUp {
			continue
		}
		a.peers[s.Name] = s.Peers
		since := a.upSince[s.Name]
		if last := latestHandshake(s.Peers); last.After(since) {
			since = last
		}
		stale := now.Sub(since) >= StaleAfter
		if stale && !a.warned[s.Name] && !t.Unanswered {
			a.say(tr("{{.Name}}: no handshake", map[string]string{"Name": s.Name}), tr("No handshake for 3 minutes. Check the endpoint, the peer's public key and that the peer is running."))
		}
		a.warned[s.Name] = stale || t.Unanswered
	}
}

// status is the known state in the shape Summarize takes.
func (a *Agent) status() api.Status {
	st := api.Status{KillSwitch: a.ks}
	for _, name := range a.names() {
		t := a.tunnels[name]
		st.Tunnels = append(st.Tunnels, api.TunnelStatus{Name: name, State: t.State, Error: t.Error, NeedsKeys: t.NeedsKeys, Health: t.Health, Paused: t.Paused, Peers: a.peers[name]})
	}
	return st
}

func (a *Agent) names() []string {
	names := make([]string, 0, len(a.tunnels))
	for name := range a.tunnels {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// update hands the host what changed. Called with mu held.
func (a *Agent) update() {
	s := Summarize(a.status(), a.connected, a.upSince, a.opts.Now())
	a.recheck = s.Recheck
	if !a.shown || s.Icon != a.icon {
		a.host.SetIcon(s.Icon)
	}
	if !a.shown || s.Tooltip != a.text {
		title, _, _ := strings.Cut(s.Tooltip, "\n")
		a.host.SetText(title, s.Tooltip)
	}
	a.icon, a.text = s.Icon, s.Tooltip
	menu := a.menuItems()
	if text := MenuText(menu); !a.shown || text != a.menu {
		a.menu = text
		a.host.SetMenu(menu)
	}
	a.shown = true
}

// menuItems is the menu for the current state: the tunnels, the kill
// switch, Open, Import and Quit. Every entry is there in every state, so
// a rebuild never loses one.
func (a *Agent) menuItems() []Item {
	var items []Item
	if !a.connected {
		items = append(items, Item{Label: tr(menuNoService), Disabled: true})
	}
	for _, name := range a.names() {
		t := a.tunnels[name]
		items = append(items, Item{
			Label:     tunnelLabel(t),
			Checkable: true,
			Checked:   t.State == api.StateUp || t.State == api.StateStarting || t.NeedsKeys,
			Disabled:  !a.connected || t.State == api.StateStopping || (!t.Mine && t.State != api.StateUp),
			Do:        func() { a.toggle(name) },
		})
	}
	if len(a.tunnels) == 0 && a.connected {
		items = append(items, Item{Label: tr(menuNoTunnels), Disabled: true})
	}
	items = append(items, Item{Separator: true}, a.killSwitchMenu(), Item{Separator: true},
		Item{Label: tr(menuOpen), Do: func() { a.win.Open("show") }},
		Item{Label: tr(menuImport), Do: func() { a.win.Open("import") }},
		Item{Separator: true},
		Item{Label: tr(menuQuit), Do: a.quit})
	return items
}

// quit ends the agent; when tunnels are up, a notification says that
// they stay up, as quitting the macOS app warns.
func (a *Agent) quit() {
	a.mu.Lock()
	var up []string
	for _, name := range a.names() {
		if s := a.tunnels[name].State; s == api.StateUp || s == api.StateStarting {
			up = append(up, name)
		}
	}
	a.mu.Unlock()
	if len(up) > 0 {
		a.notify.Notify(tr("wgtray quit"), fmt.Sprintf(tr(textStayUp), strings.Join(up, ", ")))
	}
	a.opts.Quit()
}

// tunnelLabel is a tunnel's name, and its state in words when not up.
func tunnelLabel(t api.Tunnel) string {
	switch t.State {
	case api.StateStarting:
		return fmt.Sprintf(tr(textConnecting), t.Name)
	case api.StateStopping:
		return fmt.Sprintf(tr(textStopping), t.Name)
	case api.StateUp:
		if t.NoNetwork {
			return fmt.Sprintf(tr(textNoNetwork), t.Name)
		}
	case api.StateFailed:
		if t.Error == "" {
			return fmt.Sprintf(tr(textFailedBare), t.Name)
		}
		return fmt.Sprintf(tr(textFailed), t.Name, t.Error)
	case api.StateDown:
		if t.Paused != "" {
			return pausedText(t.Name, t.Paused)
		}
	}
	return t.Name
}

// killSwitchMenu is the submenu with the three modes as radio items and
// Allow LAN; a setting only an administrator may change shows as locked,
// with who can change it.
func (a *Agent) killSwitchMenu() Item {
	locked := a.ks.AdminOnly() && !a.ks.Changeable
	disabled := !a.connected || locked
	var sub []Item
	if a.connected && locked {
		sub = append(sub, Item{Label: tr(menuKSLocked), Disabled: true}, Item{Separator: true})
	}
	for _, m := range []struct {
		label string
		mode  api.KillSwitchMode
	}{{tr(menuOff), api.KillSwitchOff}, {tr(menuAuto), api.KillSwitchAuto}, {tr(menuAlways), api.KillSwitchAlways}} {
		sub = append(sub, Item{
			Label: m.label, Checkable: true, Disabled: disabled,
			Checked: a.connected && (a.ks.Mode == m.mode || (m.mode == api.KillSwitchOff && a.ks.Mode == "")),
			Do:      func() { a.setKillSwitch(m.mode, a.ks.AllowLAN) },
		})
	}
	sub = append(sub, Item{Separator: true}, Item{
		Label: tr(menuAllowLAN), Checkable: true, Checked: a.ks.AllowLAN, Disabled: disabled,
		Do: func() { a.setKillSwitch(a.ks.Mode, !a.ks.AllowLAN) },
	})
	return Item{Label: tr(menuKillSwitch), Disabled: !a.connected, Sub: sub}
}

// toggle brings a tunnel up or down.
func (a *Agent) toggle(name string) {
	a.mu.Lock()
	t, ok := a.tunnels[name]
	a.mu.Unlock()
	if !ok {
		return
	}
	up := t.State != api.StateUp && t.State != api.StateStarting && !t.NeedsKeys
	a.run(func(ctx context.Context) error {
		var err error
		if up {
			_, err = a.svc.Up(ctx, name)
		} else {
			_, err = a.svc.Down(ctx, name)
		}
		return err
	})
}

func (a *Agent) setKillSwitch(mode api.KillSwitchMode, allowLAN bool) {
	a.run(func(ctx context.Context) error {
		ks, err := a.svc.SetKillSwitch(ctx, mode, allowLAN)
		if err == nil {
			a.mu.Lock()
			a.ks = ks
			a.update()
			a.mu.Unlock()
		}
		return err
	})
}

// MenuText is a menu's visible content, one entry a line, submenus
// indented: to tell whether it changed, and for tests.
func MenuText(items []Item) string {
	var b strings.Builder
	menuText(&b, items, "")
	return b.String()
}

func menuText(b *strings.Builder, items []Item, indent string) {
	for _, it := range items {
		b.WriteString(indent)
		if it.Separator {
			b.WriteString("--\n")
			continue
		}
		if it.Checkable {
			if it.Checked {
				b.WriteString("[x] ")
			} else {
				b.WriteString("[ ] ")
			}
		}
		b.WriteString(it.Label)
		if it.Disabled {
			b.WriteString(" (disabled)")
		}
		b.WriteByte('\n')
		menuText(b, it.Sub, indent+"  ")
	}
}

// NoHost is the Host where no tray can show: the window is the app.
type NoHost struct{}

func (NoHost) SetIcon(assets.State)   {}
func (NoHost) SetText(string, string) {}
func (NoHost) SetMenu([]Item)         {}
