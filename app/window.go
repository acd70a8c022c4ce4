package app

import (
	"fmt"
	"image/color"
	"net/netip"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/service/api"
)

// window is the main window's content: a banner for problems, and tabs for
// the tunnels, the kill switch and the service log.
type window struct {
	a       *App
	content fyne.CanvasObject

	banner   *widget.Label
	trayNote *widget.Label
	top      *fyne.Container

	tabs    *container.AppTabs
	logsTab *container.TabItem

	list    *widget.List
	details *detailsView
	empty   *widget.Label
	right   *fyne.Container

	importButton, pasteButton, newButton, exportAllButton *widget.Button

	killSwitch *killSwitchView
	networks   *networksView
	logs       *logView
}

func newWindow(a *App) *window {
	w := &window{a: a}
	w.banner = widget.NewLabel("")
	w.banner.Wrapping = fyne.TextWrapWord
	w.banner.Importance = widget.DangerImportance
	w.trayNote = widget.NewLabel(a.opts.TrayNote)
	w.trayNote.Wrapping = fyne.TextWrapWord
	w.trayNote.Importance = widget.WarningImportance
	w.top = container.NewVBox(w.banner, w.trayNote)

	w.list = widget.NewList(
		func() int { return len(a.names) },
		func() fyne.CanvasObject {
			dot := canvas.NewCircle(color.Transparent)
			return container.NewBorder(nil, nil,
				container.NewCenter(container.NewGridWrap(fyne.NewSize(10, 10), dot)), nil,
				&widget.Label{Text: "name", Truncation: fyne.TextTruncateEllipsis})
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(a.names) {
				return
			}
			t := a.tunnels[a.names[id]]
			c := o.(*fyne.Container)
			text, fill := a.shownState(t)
			c.Objects[0].(*widget.Label).SetText(t.Name + " · " + text)
			dot := c.Objects[1].(*fyne.Container).Objects[0].(*fyne.Container).Objects[0].(*canvas.Circle)
			setDot(dot, fill)
		})
	w.list.OnSelected = func(id widget.ListItemID) {
		if id < len(a.names) && a.selected != a.names[id] {
			a.selectTunnel(a.names[id])
			w.refresh()
		}
	}

	w.importButton = widget.NewButtonWithIcon(lang.L("Import…"), theme.FolderOpenIcon(), a.ImportDialog)
	w.pasteButton = widget.NewButtonWithIcon(lang.L("Paste"), theme.ContentPasteIcon(), a.importClipboard)
	w.newButton = widget.NewButtonWithIcon(lang.L("New"), theme.ContentAddIcon(), a.newTunnel)
	w.exportAllButton = widget.NewButtonWithIcon(lang.L("Export all…"), theme.DocumentSaveIcon(), a.exportAll)
	toolbar := container.NewHBox(w.importButton, w.pasteButton, w.newButton, layout.NewSpacer(), w.exportAllButton)

	w.details = newDetailsView(a)
	w.empty = widget.NewLabel(lang.L("No tunnels yet. Import a .conf or .zip file or a QR code image, paste a configuration, or drop files on this window."))
	w.empty.Wrapping = fyne.TextWrapWord
	w.right = container.NewStack(w.empty, container.NewPadded(w.details.content))
	split := container.NewHSplit(w.list, w.right)
	split.Offset = 0.34
	tunnelsTab := container.NewBorder(toolbar, nil, nil, nil, split)

	w.killSwitch = newKillSwitchView(a)
	w.networks = newNetworksView(a)
	w.logs = newLogView(a)
	w.logsTab = container.NewTabItem(lang.L("Log"), w.logs.content)
	w.tabs = container.NewAppTabs(
		container.NewTabItem(lang.L("Tunnels"), tunnelsTab),
		container.NewTabItem(lang.L("Kill switch"), w.killSwitch.content),
		container.NewTabItem(lang.L("Networks"), w.networks.content),
		w.logsTab,
	)
	w.tabs.OnSelected = func(*container.TabItem) { w.shown() }
	w.content = container.NewBorder(w.top, nil, nil, nil, w.tabs)
	return w
}

// shown starts what the visible tab needs; hidden stops it.
func (w *window) shown() {
	if w.a.visible && w.tabs.Selected() == w.logsTab {
		w.logs.follow()
	} else {
		w.logs.stop()
	}
}

func (w *window) hidden() { w.logs.stop() }

func (w *window) refresh() {
	a := w.a
	wasShown, wasText := w.banner.Visible(), w.banner.Text
	switch {
	case a.connected:
		w.banner.Hide()
	case a.serviceErr != nil:
		w.banner.SetText(lang.L("Cannot reach the wgtray service: {{.Error}}. This window reconnects by itself.", map[string]string{"Error": a.serviceErr.Error()}))
		w.banner.Show()
	default:
		w.banner.SetText(lang.L("Connecting to the wgtray service…"))
		w.banner.Show()
	}
	w.trayNote.Hidden = a.opts.TrayNote == ""
	if wasShown != w.banner.Visible() || wasText != w.banner.Text {
		// A wrapped label learns its height from its width: lay out twice
		// so that a longer text pushes the tabs down instead of covering
		// them.
		w.content.Refresh()
		w.content.Refresh()
	}

	for _, b := range []*widget.Button{w.importButton, w.pasteButton, w.newButton} {
		setEnabled(b, a.connected)
	}
	setEnabled(w.exportAllButton, a.connected && len(a.exportable()) > 0)
	w.list.Refresh()
	for i, name := range a.names {
		if name == a.selected {
			w.list.Select(i)
		}
	}
	if t, ok := a.tunnels[a.selected]; ok {
		w.empty.Hide()
		w.details.content.Show()
		w.details.show(t)
	} else {
		w.empty.Show()
		w.details.content.Hide()
	}
	w.killSwitch.refresh()
	w.networks.refresh()
}

func setEnabled(o fyne.Disableable, on bool) {
	if on && o.Disabled() {
		o.Enable()
	} else if !on && !o.Disabled() {
		o.Disable()
	}
}

// shownState is the state the window shows for t: while the service does
// not answer, what it said last may be stale (its tunnels may be gone), so
// the state is unknown, drawn as a hollow dot.
func (a *App) shownState(t *tunnel) (string, color.Color) {
	if !a.connected {
		return lang.L("Unknown"), nil
	}
	switch {
	case t.State == api.StateUp && t.NoNetwork:
		return lang.L("Waiting for the network"), stateColor(api.StateStarting)
	case t.State == api.StateUp && t.Unanswered:
		return lang.L("Active, the peer answers nothing"), stateColor(api.StateStarting)
	case t.State == api.StateDown && t.Paused != "":
		if network, ok := pausedOn(t.Paused); ok {
			return lang.L("Paused, trusted network {{.Network}}", map[string]string{"Network": network}), stateColor(api.StateDown)
		}
		return lang.L("Paused"), stateColor(api.StateDown)
	}
	return stateText(t.State), stateColor(t.State)
}

// pausedOn is the trusted network that api.Tunnel.Paused names ("paused:
// trusted network home").
func pausedOn(paused string) (string, bool) {
	return strings.CutPrefix(paused, "paused: trusted network ")
}

// noteOf explains what the state alone does not: why a tunnel is paused
// or what its health means, and who may change it. Empty when all is
// plain.
func (a *App) noteOf(t *tunnel) string {
	switch {
	case !a.connected:
		return ""
	case t.State == api.StateDown && t.Paused != "":
		return lang.L("This computer is on a network this machine trusts, and {{.Name}} runs only on untrusted networks: it comes up by itself when the computer leaves this network. Activate brings it up here all the same, until the network changes.", map[string]string{"Name": t.Name})
	case t.State == api.StateUp && t.NoNetwork:
		return lang.L("There is no way to the peer: the network under the tunnel is gone. It reconnects by itself when the network is back.")
	case t.State == api.StateUp && t.Unanswered:
		return lang.L("The peer has answered nothing for 3 minutes, although wgtray reconnected to it. Check that the peer is running and that its endpoint is right.")
	case !mayChangeSettings(t.Tunnel):
		return lang.L("{{.Name}} belongs to another user: only they or an administrator can change it.", map[string]string{"Name": t.Name})
	}
	return ""
}

// mayChangeSettings says whether the caller may change when and where t
// runs: its owner or an administrator, who alone see its owner.
func mayChangeSettings(t api.Tunnel) bool {
	return t.Mine || t.Owner != nil
}

// setDot fills dot with fill, or draws it hollow for nil.
func setDot(dot *canvas.Circle, fill color.Color) {
	if fill == nil {
		dot.FillColor, dot.StrokeColor, dot.StrokeWidth = color.Transparent, stateColor(api.StateDown), 1.5
	} else {
		dot.FillColor, dot.StrokeWidth = fill, 0
	}
	dot.Refresh()
}

func stateText(s api.State) string {
	switch s {
	case api.StateUp:
		return lang.L("Active")
	case api.StateStarting:
		return lang.L("Activating…")
	case api.StateStopping:
		return lang.L("Deactivating…")
	case api.StateFailed:
		return lang.L("Failed")
	default:
		return lang.L("Inactive")
	}
}

func stateColor(s api.State) color.Color {
	switch s {
	case api.StateUp:
		return color.NRGBA{0x2e, 0xa0, 0x43, 0xff}
	case api.StateStarting, api.StateStopping:
		return color.NRGBA{0xe0, 0xa0, 0x1e, 0xff}
	case api.StateFailed:
		return color.NRGBA{0xd0, 0x34, 0x2c, 0xff}
	default:
		return color.NRGBA{0x8a, 0x8f, 0x98, 0xff}
	}
}

// detailsView shows the selected tunnel: a header with its name, state and
// Activate that never scrolls away, the interface, the peers (scrolling
// among themselves when there are many), the traffic graph taking the room
// that is left, and the actions at the bottom.
type detailsView struct {
	a       *App
	content *fyne.Container
	shown   string // the tunnel shown, to scroll back up for another one

	name, state, errText *widget.Label
	note                 *widget.Label // why it is paused, its health, who may change it
	dot                  *canvas.Circle
	toggle               *widget.Button

	labels                     []*widget.Label // every field label, for one label column
	publicKey                  *widget.Label
	copyKey                    *widget.Button
	addresses, dns, listenPort *widget.Label

	peers      *fyne.Container
	peerScroll *container.Scroll
	peerViews  []*peerView

	legend             *fyne.Container
	rxLegend, txLegend *widget.Label
	span               *widget.RadioGroup
	graph              *graph

	edit, export, exportPQ, remove *widget.Button
	start, networks                *widget.Select
}

func newDetailsView(a *App) *detailsView {
	d := &detailsView{a: a}
	d.name = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.name.SizeName = theme.SizeNameSubHeadingText
	d.dot = canvas.NewCircle(color.Transparent)
	d.state = widget.NewLabel("")
	d.errText = widget.NewLabel("")
	d.errText.Wrapping = fyne.TextWrapWord
	d.errText.Importance = widget.DangerImportance
	d.note = widget.NewLabel("")
	d.note.Wrapping = fyne.TextWrapWord
	d.note.Hide()
	d.toggle = widget.NewButton(lang.L("Activate"), func() { a.toggle(a.selected) })
	d.toggle.Importance = widget.HighImportance
	header := container.NewBorder(nil, nil, nil, d.toggle, container.NewHBox(
		d.name, container.NewCenter(container.NewGridWrap(fyne.NewSize(10, 10), d.dot)), d.state))

	d.publicKey = monospace()
	d.copyKey = copyButton(a, d.publicKey)
	d.addresses = widget.NewLabel("")
	d.dns = widget.NewLabel("")
	d.listenPort = widget.NewLabel("")
	d.exportPQ = widget.NewButtonWithIcon(lang.L("Rosenpass key…"), theme.DocumentSaveIcon(), func() { a.exportRosenpassKey(a.selected) })
	// The heading rows hold when and where the tunnel runs and the peers'
	// Rosenpass: they have room beside their title, and a row more would
	// push one peer into scrolling at the default size. The two menus share
	// the row; a long choice ends in "…" in a narrow window.
	d.start = newStartSelect(a)
	d.networks = newNetworksSelect(a)
	iface := clearOfScrollBar(container.NewBorder(nil, nil, heading(lang.L("Interface")), nil,
		container.NewGridWithColumns(2, d.start, d.networks)), d.fields(
		lang.L("Public key"), container.NewBorder(nil, nil, nil, d.copyKey, d.publicKey),
		lang.L("Addresses"), d.addresses,
		lang.L("DNS servers"), d.dns,
		lang.L("Listen port"), d.listenPort,
	))

	d.peers = container.NewVBox()
	d.peerScroll = container.NewVScroll(clearOfScrollBar(d.peers))

	d.rxLegend = widget.NewLabel("")
	d.txLegend = widget.NewLabel("")
	d.graph = newGraph()
	spans := []string{lang.L("1 min"), lang.L("10 min")}
	d.span = widget.NewRadioGroup(spans, func(string) {
		if t, ok := a.tunnels[a.selected]; ok {
			d.show(t)
		}
	})
	d.span.Horizontal = true
	d.span.Required = true
	d.span.Selected = spans[0]
	d.legend = container.NewHBox(swatch(rxColor), d.rxLegend, swatch(txColor), d.txLegend,
		layout.NewSpacer(), d.span)
	traffic := container.NewBorder(d.legend, nil, nil, nil, d.graph)

	body := container.New(&bodyLayout{peers: d.peerScroll.Content}, iface, d.peerScroll, traffic)
	compact := container.NewThemeOverride(body, compactTheme{a.fy.Settings().Theme()})

	d.edit = widget.NewButtonWithIcon(lang.L("Edit"), theme.DocumentCreateIcon(), func() { a.editTunnel(a.selected) })
	d.export = widget.NewButtonWithIcon(lang.L("Export…"), theme.DocumentSaveIcon(), func() { a.exportTunnel(a.selected) })
	d.remove = widget.NewButtonWithIcon(lang.L("Remove"), theme.DeleteIcon(), func() { a.removeTunnel(a.selected) })
	actions := container.NewHBox(d.edit, d.export, d.exportPQ, layout.NewSpacer(), d.remove)

	d.content = container.NewBorder(container.NewVBox(header, d.errText, d.note), actions, nil, nil, compact)
	return d
}

// fields lays out label and value pairs; every label of the view shares
// one column width so the interface and the peers line up.
func (d *detailsView) fields(pairs ...any) *fyne.Container {
	objs := make([]fyne.CanvasObject, 0, len(pairs))
	for i := 0; i < len(pairs); i += 2 {
		l := fieldLabel(pairs[i].(string))
		d.labels = append(d.labels, l)
		objs = append(objs, l, pairs[i+1].(fyne.CanvasObject))
	}
	return container.New(&fieldsLayout{labels: &d.labels}, objs...)
}

func fieldLabel(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
}

// clearOfScrollBar stacks objs with room on the right for a scroll bar, so
// that it never covers a copy button; the interface gets the same room to
// keep its buttons in line with the peers'.
func clearOfScrollBar(objs ...fyne.CanvasObject) *fyne.Container {
	return container.New(layout.NewCustomPaddedLayout(0, 0, 0, theme.ScrollBarSize()), container.NewVBox(objs...))
}

func heading(s string) *widget.Label {
	l := widget.NewLabelWithStyle(s, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	l.Importance = widget.HighImportance
	return l
}

func monospace() *widget.Label {
	l := widget.NewLabel("")
	l.TextStyle.Monospace = true
	l.Truncation = fyne.TextTruncateEllipsis
	return l
}

func copyButton(a *App, from *widget.Label) *widget.Button {
	return widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() {
		a.fy.Clipboard().SetContent(from.Text)
	})
}

// swatch is a legend's colour mark.
func swatch(c color.Color) fyne.CanvasObject {
	r := canvas.NewRectangle(c)
	r.CornerRadius = 2
	return container.NewCenter(container.NewGridWrap(fyne.NewSize(12, 12), r))
}

func (d *detailsView) show(t *tunnel) {
	a := d.a
	if d.shown != t.Name {
		d.shown = t.Name
		d.peerScroll.ScrollToTop()
	}
	d.name.SetText(t.Name)
	iface, peers := d.interfaceOf(t)
	state, fill := a.shownState(t)
	live := a.connected && t.State == api.StateUp
	if !a.connected {
		state = lang.L("Unknown until the service answers again")
	} else if iface.Name != "" && iface.Name != t.Name {
		// macOS numbers its tunnel interfaces itself (utun4): say which.
		state = lang.L("{{.State}} on {{.Interface}}", map[string]string{"State": state, "Interface": iface.Name})
	}
	d.state.SetText(state)
	setDot(d.dot, fill)
	if a.connected && t.State == api.StateFailed && t.Error != "" {
		d.errText.SetText(t.Error)
		d.errText.Show()
	} else {
		d.errText.Hide()
	}
	switch {
	case a.connected && (t.State == api.StateUp || t.State == api.StateStarting):
		d.toggle.SetText(lang.L("Deactivate"))
	default:
		d.toggle.SetText(lang.L("Activate"))
	}
	mine := t.Mine && a.connected
	setEnabled(d.toggle, a.connected && t.State != api.StateStopping && (t.Mine || t.State == api.StateUp))
	for _, b := range []*widget.Button{d.edit, d.export, d.exportPQ, d.remove} {
		setEnabled(b, mine)
	}
	if note := a.noteOf(t); note != d.note.Text || d.note.Visible() != (note != "") {
		d.note.SetText(note)
		d.note.Hidden = note == ""
		// A wrapped label learns its height from its width: twice.
		d.content.Refresh()
		d.content.Refresh()
	}
	showStart(d.start, t.Tunnel)
	showNetworks(d.networks, t.Tunnel)
	settings := a.connected && mayChangeSettings(t.Tunnel)
	setEnabled(d.start, settings)
	setEnabled(d.networks, settings)

	d.publicKey.SetText(orDash(iface.PublicKey))
	setEnabled(d.copyKey, iface.PublicKey != "")
	d.addresses.SetText(orDash(joinPrefixes(iface.Addresses)))
	d.dns.SetText(orDash(joinAddrs(iface.DNS)))
	port := lang.L("automatic")
	if iface.ListenPort != 0 {
		port = fmt.Sprint(iface.ListenPort)
	}
	d.listenPort.SetText(port)

	if len(d.peerViews) != len(peers) {
		d.labels = d.labels[:4] // the interface's
		d.peerViews = d.peerViews[:0]
		d.peers.RemoveAll()
		for i := range peers {
			pv := d.newPeerView(i, len(peers))
			d.peerViews = append(d.peerViews, pv)
			d.peers.Add(pv.content)
		}
		d.content.Refresh()
	}
	for i, p := range peers {
		d.peerViews[i].show(p, live, a.opts.Now())
		setEnabled(d.peerViews[i].pqToggle, mine)
	}

	tenMin := d.span.Selected != d.span.Options[0]
	span := graphPoints
	if tenMin {
		span = historyLen
	}
	if live {
		d.rxLegend.SetText(lang.L("In {{.Rate}}", map[string]string{"Rate": rate(t.rx.last())}))
		d.txLegend.SetText(lang.L("Out {{.Rate}}", map[string]string{"Rate": rate(t.tx.last())}))
		d.graph.set(t.rx.series(span, graphPoints), t.tx.series(span, graphPoints), tenMin)
	} else {
		d.rxLegend.SetText(lang.L("In"))
		d.txLegend.SetText(lang.L("Out"))
		d.graph.set(nil, nil, tenMin)
	}
	d.legend.Refresh()
}

// interfaceOf prefers live statistics and falls back to the stored
// configuration while the tunnel is down.
func (d *detailsView) interfaceOf(t *tunnel) (api.InterfaceStatus, []api.PeerStatus) {
	if t.status != nil && t.status.Interface != nil {
		return *t.status.Interface, t.status.Peers
	}
	iface, peers := configSummary(t.Tunnel)
	return iface, peers
}

type peerView struct {
	content                                                      *fyne.Container
	publicKey, endpoint, allowed, keepalive, handshake, transfer *widget.Label
	pq                                                           *widget.Label // Rosenpass
	pqToggle                                                     *widget.Button
	peer                                                         api.PeerStatus
}

func (d *detailsView) newPeerView(i, of int) *peerView {
	p := &peerView{
		publicKey: monospace(),
		endpoint:  widget.NewLabel(""),
		allowed:   widget.NewLabel(""),
		keepalive: widget.NewLabel(""),
		handshake: widget.NewLabel(""),
		transfer:  widget.NewLabel(""),
		pq:        widget.NewLabel(""),
	}
	p.allowed.Wrapping = fyne.TextWrapWord
	p.pq.Truncation = fyne.TextTruncateEllipsis
	p.pqToggle = widget.NewButton(lang.L("Turn on…"), func() {
		if p.peer.Rosenpass != nil {
			d.a.rosenpassOff(d.a.selected, p.peer.PublicKey)
		} else {
			d.a.rosenpassOn(d.a.selected, p.peer)
		}
	})
	title := lang.L("Peer")
	if of > 1 {
		title = lang.L("Peer {{.N}} of {{.Of}}", map[string]int{"N": i + 1, "Of": of})
	}
	pqTitle := fieldLabel(lang.L("Post-quantum"))
	p.content = container.NewVBox(container.NewBorder(nil, nil, container.NewHBox(heading(title), pqTitle), p.pqToggle, p.pq), d.fields(
		lang.L("Public key"), container.NewBorder(nil, nil, nil, copyButton(d.a, p.publicKey), p.publicKey),
		lang.L("Endpoint"), p.endpoint,
		lang.L("Allowed IPs"), p.allowed,
		lang.L("Keepalive"), p.keepalive,
		lang.L("Latest handshake"), p.handshake,
		lang.L("Transfer"), p.transfer,
	))
	return p
}

func (p *peerView) show(s api.PeerStatus, live bool, now time.Time) {
	p.peer = s
	p.publicKey.SetText(s.PublicKey)
	p.pq.SetText(rosenpassText(s.Rosenpass, live, now))
	if s.Rosenpass != nil {
		p.pqToggle.SetText(lang.L("Turn off"))
	} else {
		p.pqToggle.SetText(lang.L("Turn on…"))
	}
	p.endpoint.SetText(orDash(s.Endpoint))
	p.allowed.SetText(orDash(joinPrefixes(s.AllowedIPs)))
	keepalive := lang.L("off")
	if s.PersistentKeepalive != 0 {
		keepalive = lang.L("every {{.Seconds}} s", map[string]uint16{"Seconds": s.PersistentKeepalive})
	}
	p.keepalive.SetText(keepalive)
	if !live {
		p.handshake.SetText("—")
		p.transfer.SetText("—")
		return
	}
	hs := lang.L("never")
	if s.LatestHandshake != nil {
		hs = ago(*s.LatestHandshake, now)
	}
	p.handshake.SetText(hs)
	p.transfer.SetText(lang.L("{{.Received}} received, {{.Sent}} sent",
		map[string]string{"Received": humanBytes(s.RxBytes), "Sent": humanBytes(s.TxBytes)}))
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func joinPrefixes(ps []netip.Prefix) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ", ")
}

func joinAddrs(as []netip.Addr) string {
	s := make([]string, len(as))
	for i, a := range as {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}
