// Package app is wgtray's desktop GUI: the main window (tunnels with live
// statistics, import, editor, kill switch, service log), run as its own
// process (wgtray-window) that the tray agent starts. It talks to the service only through Service
// and never blocks the UI thread on it: every call runs in a goroutine and
// hands its result back with fyne.Do.
package app

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

// Options tune an App; the zero value is what the desktop uses.
type Options struct {
	// TrayNote explains a missing tray icon to the user (closing the
	// window then quits wgtray); empty when the tray agent hosts an icon.
	TrayNote string
	// Do runs a function on the UI thread; fyne.Do by default.
	Do func(func())
	// Now is the clock; time.Now by default.
	Now func() time.Time
	// Retry is the delay between attempts to reach the service; 2s by
	// default.
	Retry time.Duration
	// Poll is how often statistics are fetched while the window shows
	// them (1s by default), and HiddenPoll while hidden with a tunnel up,
	// to notice a lost handshake (30s by default).
	Poll, HiddenPoll time.Duration
}

// App is the running GUI. Fields below mu-free comments are touched only on
// the UI thread.
type App struct {
	fy   fyne.App
	svc  Service
	opts Options
	win  fyne.Window

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	// UI-thread state.
	tunnels   map[string]*tunnel
	names     []string
	selected  string
	chosen    bool // selected by the user or an import, not picked by refresh
	connected bool
	ready     bool // the event stream has sent its snapshot
	// unlisted are the tunnels known before a reconnect that the new
	// stream's snapshot has not listed yet.
	unlisted   map[string]bool
	serviceErr error
	killSwitch api.KillSwitch
	networks   api.Networks // the current network and the trusted ones
	visible    bool

	poll chan time.Duration // to the poll loop: its interval, 0 to stop

	ui     *window
	editor *editor        // the editor opened last
	pqForm *rosenpassForm // the Rosenpass form opened last
}

// tunnel is what the window knows about one tunnel.
type tunnel struct {
	api.Tunnel
	status   *api.TunnelStatus
	rx, tx   history
	lastRead time.Time
	lastRx   uint64
	lastTx   uint64
}

// New builds the app and its main window; Start connects it to the
// service.
func New(fy fyne.App, svc Service, opts Options) *App {
	translationsOnce.Do(func() {
		if err := loadTranslations(); err != nil {
			slog.Warn("the window stays in English: its translations do not load", "err", err)
		}
	})
	if opts.Do == nil {
		opts.Do = fyne.Do
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Retry == 0 {
		opts.Retry = 2 * time.Second
	}
	if opts.Poll == 0 {
		opts.Poll = time.Second
	}
	if opts.HiddenPoll == 0 {
		opts.HiddenPoll = 30 * time.Second
	}
	a := &App{
		fy:      fy,
		svc:     svc,
		opts:    opts,
		tunnels: map[string]*tunnel{},
		poll:    make(chan time.Duration, 1),
	}
	a.ctx, a.cancel = context.WithCancel(context.Background())
	a.win = fy.NewWindow("wgtray")
	a.ui = newWindow(a)
	a.win.SetContent(a.ui.content)
	a.win.SetMainMenu(a.mainMenu())
	a.win.Resize(fyne.NewSize(920, 720))
	a.win.SetOnDropped(func(_ fyne.Position, uris []fyne.URI) { a.importURIs(uris) })
	a.refresh()
	return a
}

// Window is the main window.
func (a *App) Window() fyne.Window { return a.win }

// Start connects to the service in the background and keeps reconnecting
// until Stop.
func (a *App) Start() {
	a.wg.Add(2)
	go func() { defer a.wg.Done(); a.eventLoop() }()
	go func() { defer a.wg.Done(); a.pollLoop() }()
}

// Stop ends the background work and waits for it.
func (a *App) Stop() {
	a.cancel()
	a.wg.Wait()
}

// Show shows the main window; Hide hides it (it stays in the tray).
func (a *App) Show() {
	a.win.Show()
	a.win.RequestFocus()
	a.visible = true
	a.schedulePoll()
	a.ui.shown()
}

// Hide hides the main window and stops what only it needs.
func (a *App) Hide() {
	a.win.Hide()
	a.visible = false
	a.schedulePoll()
	a.ui.hidden()
}

// async runs f off the UI thread and then done with its error on it.
func (a *App) async(f func(ctx context.Context) error, done func(error)) {
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		err := f(a.ctx)
		if errors.Is(err, context.Canceled) && a.ctx.Err() != nil {
			return
		}
		a.opts.Do(func() { done(err) })
	}()
}

// eventLoop follows the service's event stream, reconnecting whenever it
// breaks.
func (a *App) eventLoop() {
	for a.ctx.Err() == nil {
		err := a.svc.Events(a.ctx, func(ev api.Event) {
			a.opts.Do(func() { a.applyEvent(ev) })
		})
		if a.ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New(lang.L("the service closed the connection"))
		}
		a.opts.Do(func() { a.setDisconnected(err) })
		a.sleep(a.opts.Retry)
	}
}

func (a *App) sleep(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-a.ctx.Done():
	case <-t.C:
	}
}

// pollLoop fetches statistics at the interval the UI thread asks for.
func (a *App) pollLoop() {
	var interval time.Duration
	for {
		var tick <-chan time.Time
		var timer *time.Timer
		if interval > 0 {
			timer = time.NewTimer(interval)
			tick = timer.C
		}
		select {
		case <-a.ctx.Done():
			return
		case interval = <-a.poll:
		case <-tick:
			st, err := a.svc.Status(a.ctx, "")
			if err == nil {
				a.opts.Do(func() { a.applyStatus(st) })
			}
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// schedulePoll tells the poll loop how often statistics are needed now.
func (a *App) schedulePoll() {
	select {
	case <-a.poll:
	default:
	}
	a.poll <- a.pollInterval()
}

// pollInterval is Poll while the window shows, HiddenPoll while hidden with
// a tunnel up (to notice a lost handshake), and 0 (no polling) otherwise.
func (a *App) pollInterval() time.Duration {
	switch {
	case !a.connected:
		return 0
	case a.visible:
		return a.opts.Poll
	case a.anyUp():
		return a.opts.HiddenPoll
	default:
		return 0
	}
}

func (a *App) anyUp() bool {
	for _, t := range a.tunnels {
		if t.State == api.StateUp {
			return true
		}
	}
	return false
}

func (a *App) setDisconnected(err error) {
	a.connected, a.ready, a.serviceErr = false, false, err
	a.schedulePoll()
	a.refresh()
}

// applyEvent folds one event of the stream into the state.
func (a *App) applyEvent(ev api.Event) {
	if !a.connected {
		// A new stream: its snapshot replaces whatever was known before,
		// including tunnels removed while the service was away.
		// Tunnels it does not list by EventReady are gone; until then the
		// old ones stay, so the selection survives the reconnect.
		a.connected, a.serviceErr = true, nil
		a.unlisted = map[string]bool{}
		for name := range a.tunnels {
			a.unlisted[name] = true
		}
		a.schedulePoll()
	}
	switch ev.Type {
	case api.EventTunnel:
		if ev.Tunnel != nil {
			a.applyTunnel(*ev.Tunnel)
		}
	case api.EventRemoved:
		if ev.Tunnel != nil {
			delete(a.tunnels, ev.Tunnel.Name)
		}
	case api.EventKillSwitch:
		if ev.KillSwitch != nil {
			a.killSwitch = *ev.KillSwitch
		}
	case api.EventNetwork:
		if ev.Networks != nil {
			a.networks = *ev.Networks
		}
	case api.EventReady:
		for name := range a.unlisted {
			delete(a.tunnels, name)
		}
		a.unlisted = nil
		if !a.chosen {
			// Picked while the snapshot was still arriving: pick again
			// now that every tunnel and its state is known.
			a.selected = ""
		}
		a.ready = true
		a.restore()
		a.fetchStatus()
	}
	a.refresh()
}

func (a *App) applyTunnel(in api.Tunnel) {
	delete(a.unlisted, in.Name)
	t, known := a.tunnels[in.Name]
	if !known {
		t = &tunnel{}
		a.tunnels[in.Name] = t
	}
	prev := t.State
	t.Tunnel = in
	if in.State != api.StateUp {
		t.status = nil
		t.rx, t.tx = history{}, history{}
		t.lastRead = time.Time{}
	}
	if a.ready && known && prev != in.State {
		a.schedulePoll()
	}
}

// restore sends the keys again for tunnels the service wants up without
// them (it restarted while this user had them on), and brings up those set
// to start at login: each time the app connects to the service.
func (a *App) restore() {
	need := false
	for _, t := range a.tunnels {
		need = need || (t.Mine && (t.NeedsKeys || client.StartsAtLogin(t.Tunnel)))
	}
	if !need {
		return
	}
	a.async(func(ctx context.Context) error {
		_, err := a.svc.Restore(ctx)
		return err
	}, func(err error) {
		if err != nil {
			a.notify(lang.L("Could not restore tunnels"), err.Error())
		}
	})
}

func (a *App) fetchStatus() {
	a.async(func(ctx context.Context) error {
		st, err := a.svc.Status(ctx, "")
		if err == nil {
			a.opts.Do(func() { a.applyStatus(st) })
		}
		return err
	}, func(error) {})
}

// applyStatus takes live statistics and feeds the graphs. The tray agent,
// not the window, tells the user about a missing handshake.
func (a *App) applyStatus(st api.Status) {
	now := a.opts.Now()
	a.killSwitch = st.KillSwitch
	for i := range st.Tunnels {
		s := st.Tunnels[i]
		t, ok := a.tunnels[s.Name]
		if !ok {
			continue
		}
		t.status = &s
		if s.State != api.StateUp {
			continue
		}
		var rx, tx uint64
		for _, p := range s.Peers {
			rx += p.RxBytes
			tx += p.TxBytes
		}
		if !t.lastRead.IsZero() && rx >= t.lastRx && tx >= t.lastTx {
			secs := now.Sub(t.lastRead).Seconds()
			if secs > 0 {
				t.rx.add(float64(rx-t.lastRx) / secs)
				t.tx.add(float64(tx-t.lastTx) / secs)
			}
		}
		t.lastRead, t.lastRx, t.lastTx = now, rx, tx
	}
	a.refresh()
}

func (a *App) notify(title, content string) {
	a.fy.SendNotification(fyne.NewNotification(title, content))
}

// refresh brings the window up to date with the state.
func (a *App) refresh() {
	a.names = a.names[:0]
	for name := range a.tunnels {
		a.names = append(a.names, name)
	}
	slices.Sort(a.names)
	if _, ok := a.tunnels[a.selected]; !ok {
		a.selected = a.firstActive()
	}
	a.ui.refresh()
}

// selectTunnel selects name for the user.
func (a *App) selectTunnel(name string) {
	a.selected, a.chosen = name, true
}

// firstActive is the tunnel to select when none is: the first that is up
// or coming up, else the first.
func (a *App) firstActive() string {
	for _, n := range a.names {
		if s := a.tunnels[n].State; s == api.StateUp || s == api.StateStarting {
			return n
		}
	}
	if len(a.names) > 0 {
		return a.names[0]
	}
	return ""
}

// toggle turns a tunnel on or off.
func (a *App) toggle(name string) {
	t, ok := a.tunnels[name]
	if !ok || !a.connected {
		return
	}
	up := t.State != api.StateUp && t.State != api.StateStarting
	a.async(func(ctx context.Context) error {
		var err error
		if up {
			_, err = a.svc.Up(ctx, name)
		} else {
			_, err = a.svc.Down(ctx, name)
		}
		return err
	}, func(err error) {
		if err != nil {
			a.showError(err)
		}
	})
}

// setKillSwitch changes the settings; the event stream reports the result.
func (a *App) setKillSwitch(mode api.KillSwitchMode, allowLAN bool) {
	a.async(func(ctx context.Context) error {
		ks, err := a.svc.SetKillSwitch(ctx, mode, allowLAN)
		if err == nil {
			a.opts.Do(func() { a.killSwitch = ks })
		}
		return err
	}, func(err error) {
		if err != nil {
			a.showError(err)
		}
		a.refresh()
	})
}
