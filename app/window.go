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
			a.selected = a.names[id]
			w.refresh()
		}
	}

	w.importButton = widget.NewButtonWithIcon("Import…", theme.FolderOpenIcon(), a.ImportDialog)
	w.pasteButton = widget.NewButtonWithIcon("Paste", theme.ContentPasteIcon(), a.importClipboard)
	w.newButton = widget.NewButtonWithIcon("New", theme.ContentAddIcon(), a.newTunnel)
	w.exportAllButton = widget.NewButtonWithIcon("Export all…", theme.DocumentSaveIcon(), a.exportAll)
	toolbar := container.NewHBox(w.importButton, w.pasteButton, w.newButton, layout.NewSpacer(), w.exportAllButton)

	w.details = newDetailsView(a)
	w.empty = widget.NewLabel("No tunnels yet. Import a .conf or .zip file or a QR code image, paste a configuration, or drop files on this window.")
	w.empty.Wrapping = fyne.TextWrapWord
	w.right = container.NewStack(w.empty, container.NewVScroll(w.details.content))
	split := container.NewHSplit(w.list, w.right)
	split.Offset = 0.34
	tunnelsTab := container.NewBorder(toolbar, nil, nil, nil, split)

	w.killSwitch = newKillSwitchView(a)
	w.logs = newLogView(a)
	w.logsTab = container.NewTabItem("Log", w.logs.content)
	w.tabs = container.NewAppTabs(
		container.NewTabItem("Tunnels", tunnelsTab),
		container.NewTabItem("Kill switch", w.killSwitch.content),
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
	wasShown := w.banner.Visible()
	switch {
	case a.connected:
		w.banner.Hide()
	case a.serviceErr != nil:
		w.banner.SetText(fmt.Sprintf("Cannot reach the wgtray service: %v. This window reconnects by itself.", a.serviceErr))
		w.banner.Show()
	default:
		w.banner.SetText("Connecting to the wgtray service…")
		w.banner.Show()
	}
	w.trayNote.Hidden = a.opts.TrayNote == ""
	if wasShown != w.banner.Visible() {
		w.content.Refresh()
	}

	for _, b := range []*widget.Button{w.importButton, w.pasteButton, w.newButton, w.exportAllButton} {
		setEnabled(b, a.connected)
	}
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
		return "Unknown", nil
	}
	return stateText(t.State), stateColor(t.State)
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
		return "Active"
	case api.StateStarting:
		return "Activating…"
	case api.StateStopping:
		return "Deactivating…"
	case api.StateFailed:
		return "Failed"
	default:
		return "Inactive"
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

// detailsView shows the selected tunnel.
type detailsView struct {
	a       *App
	content *fyne.Container

	name, state, errText       *widget.Label
	toggle                     *widget.Button
	publicKey                  *widget.Label
	copyKey                    *widget.Button
	addresses, dns, listenPort *widget.Label
	peers                      *fyne.Container
	peerViews                  []*peerView
	edit, export, remove       *widget.Button
}

func newDetailsView(a *App) *detailsView {
	d := &detailsView{a: a}
	d.name = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.state = widget.NewLabel("")
	d.errText = widget.NewLabel("")
	d.errText.Wrapping = fyne.TextWrapWord
	d.errText.Importance = widget.DangerImportance
	d.toggle = widget.NewButton("Activate", func() { a.toggle(a.selected) })
	d.toggle.Importance = widget.HighImportance
	d.publicKey = widget.NewLabel("")
	d.publicKey.TextStyle.Monospace = true
	d.copyKey = widget.NewButtonWithIcon("", theme.ContentCopyIcon(), func() {
		a.fy.Clipboard().SetContent(d.publicKey.Text)
	})
	d.addresses = widget.NewLabel("")
	d.dns = widget.NewLabel("")
	d.listenPort = widget.NewLabel("")
	d.peers = container.NewVBox()
	d.edit = widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), func() { a.editTunnel(a.selected) })
	d.export = widget.NewButtonWithIcon("Export…", theme.DocumentSaveIcon(), func() { a.exportTunnel(a.selected) })
	d.remove = widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() { a.removeTunnel(a.selected) })

	iface := container.New(layout.NewFormLayout(),
		fieldLabel("Status"), d.state,
		fieldLabel("Public key"), container.NewBorder(nil, nil, nil, d.copyKey, d.publicKey),
		fieldLabel("Addresses"), d.addresses,
		fieldLabel("DNS servers"), d.dns,
		fieldLabel("Listen port"), d.listenPort,
	)
	d.content = container.NewVBox(
		container.NewBorder(nil, nil, nil, d.toggle, d.name),
		d.errText,
		widget.NewCard("", "Interface", iface),
		d.peers,
		container.NewHBox(d.edit, d.export, layout.NewSpacer(), d.remove),
	)
	return d
}

func fieldLabel(s string) *widget.Label {
	return widget.NewLabelWithStyle(s, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
}

func (d *detailsView) show(t *tunnel) {
	a := d.a
	d.name.SetText(t.Name)
	iface, peers := d.interfaceOf(t)
	state, _ := a.shownState(t)
	live := a.connected && t.State == api.StateUp
	if !a.connected {
		state = "Unknown until the service answers again"
	} else if iface.Name != "" && iface.Name != t.Name {
		// macOS numbers its tunnel interfaces itself (utun4): say which.
		state += " on " + iface.Name
	}
	d.state.SetText(state)
	if a.connected && t.State == api.StateFailed && t.Error != "" {
		d.errText.SetText(t.Error)
		d.errText.Show()
	} else {
		d.errText.Hide()
	}
	switch {
	case a.connected && (t.State == api.StateUp || t.State == api.StateStarting):
		d.toggle.SetText("Deactivate")
	default:
		d.toggle.SetText("Activate")
	}
	mine := t.Mine && a.connected
	setEnabled(d.toggle, a.connected && t.State != api.StateStopping && (t.Mine || t.State == api.StateUp))
	for _, b := range []*widget.Button{d.edit, d.export, d.remove} {
		setEnabled(b, mine)
	}

	d.publicKey.SetText(orDash(iface.PublicKey))
	setEnabled(d.copyKey, iface.PublicKey != "")
	d.addresses.SetText(orDash(joinPrefixes(iface.Addresses)))
	d.dns.SetText(orDash(joinAddrs(iface.DNS)))
	port := "automatic"
	if iface.ListenPort != 0 {
		port = fmt.Sprint(iface.ListenPort)
	}
	d.listenPort.SetText(port)

	if len(d.peerViews) != len(peers) {
		d.peerViews = d.peerViews[:0]
		d.peers.RemoveAll()
		for range peers {
			pv := newPeerView()
			d.peerViews = append(d.peerViews, pv)
			d.peers.Add(pv.card)
		}
		d.content.Refresh()
	}
	for i, p := range peers {
		d.peerViews[i].show(p, t, live, a.opts.Now())
	}
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
	card                                                     *widget.Card
	publicKey, endpoint, allowed, handshake, transfer, speed *widget.Label
	graph                                                    *graph
}

func newPeerView() *peerView {
	p := &peerView{
		publicKey: widget.NewLabel(""),
		endpoint:  widget.NewLabel(""),
		allowed:   widget.NewLabel(""),
		handshake: widget.NewLabel(""),
		transfer:  widget.NewLabel(""),
		speed:     widget.NewLabel(""),
		graph:     newGraph(),
	}
	p.publicKey.TextStyle.Monospace = true
	p.allowed.Wrapping = fyne.TextWrapWord
	form := container.New(layout.NewFormLayout(),
		fieldLabel("Public key"), p.publicKey,
		fieldLabel("Endpoint"), p.endpoint,
		fieldLabel("Allowed IPs"), p.allowed,
		fieldLabel("Latest handshake"), p.handshake,
		fieldLabel("Transfer"), p.transfer,
		fieldLabel("Throughput"), container.NewVBox(p.speed, p.graph),
	)
	p.card = widget.NewCard("", "Peer", form)
	return p
}

func (p *peerView) show(s api.PeerStatus, t *tunnel, live bool, now time.Time) {
	p.publicKey.SetText(s.PublicKey)
	p.endpoint.SetText(orDash(s.Endpoint))
	p.allowed.SetText(orDash(joinPrefixes(s.AllowedIPs)))
	if !live {
		p.handshake.SetText("—")
		p.transfer.SetText("—")
		p.speed.SetText("—")
		p.graph.set(nil, nil)
		return
	}
	hs := "never"
	if s.LatestHandshake != nil {
		hs = ago(*s.LatestHandshake, now)
	}
	p.handshake.SetText(hs)
	p.transfer.SetText(fmt.Sprintf("%s received, %s sent", humanBytes(s.RxBytes), humanBytes(s.TxBytes)))
	p.speed.SetText(fmt.Sprintf("%s in (blue), %s out (orange)", rate(t.rx.last()), rate(t.tx.last())))
	p.graph.set(t.rx.values(), t.tx.values())
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
