package app

import (
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
)

// rosenpassPort is the port the endpoint field offers: the peer's
// WireGuard host with Rosenpass's usual port, as the service defaults.
const rosenpassPort = 9999

// maxRosenpassKey bounds what the key file dialog reads: a Classic
// McEliece public key is 524,160 bytes; the service checks the size.
const maxRosenpassKey = 1 << 20

// rosenpassText says in words whether Rosenpass is on for a peer, its state
// (the service's reason) and when the last exchange was.
func rosenpassText(s *api.RosenpassStatus, live bool, now time.Time) string {
	if s == nil {
		return lang.L("off")
	}
	if !live || s.State == "" {
		return lang.L("on, with {{.Endpoint}}; starts with the tunnel", map[string]string{"Endpoint": s.Endpoint})
	}
	state := s.Reason
	if state == "" {
		state = s.State
	}
	last := lang.L("never")
	if s.LastExchange != nil {
		last = ago(*s.LastExchange, now)
	}
	return lang.L("on: {{.State}}; last exchange {{.Last}}", map[string]string{"State": state, "Last": last})
}

// rosenpassEndpoint is the endpoint the turn-on form offers: the peer's
// WireGuard host with port 9999, empty when the peer has no endpoint.
func rosenpassEndpoint(endpoint string) string {
	host, _, err := net.SplitHostPort(endpoint)
	if err != nil || host == "" {
		return ""
	}
	return net.JoinHostPort(host, strconv.Itoa(rosenpassPort))
}

// rosenpassForm is the dialog that turns Rosenpass on for a peer: the
// server's public key file and the endpoint.
type rosenpassForm struct {
	a          *App
	name, peer string
	key        []byte
	keyFile    *widget.Label
	choose     *widget.Button
	endpoint   *widget.Entry
	dlg        *dialog.FormDialog
}

// rosenpassOn opens the form to turn Rosenpass on for peer of tunnel name.
func (a *App) rosenpassOn(name string, peer api.PeerStatus) *rosenpassForm {
	f := &rosenpassForm{a: a, name: name, peer: peer.PublicKey}
	f.keyFile = widget.NewLabel(lang.L("no file chosen"))
	f.keyFile.Truncation = fyne.TextTruncateEllipsis
	f.choose = widget.NewButton(lang.L("Choose…"), f.chooseKey)
	f.endpoint = widget.NewEntry()
	f.endpoint.SetText(rosenpassEndpoint(peer.Endpoint))
	f.endpoint.SetPlaceHolder(lang.L("HOST:PORT, e.g. vpn.example.com:9999"))
	f.endpoint.Validator = func(s string) error {
		if s == "" {
			return nil
		}
		if _, err := importer.ParseEndpoint(s); err != nil {
			return err
		}
		return nil
	}
	items := []*widget.FormItem{
		{Text: lang.L("Server's public key"), Widget: container.NewBorder(nil, nil, nil, f.choose, f.keyFile),
			HintText: lang.L("the server's pqpk file, from its admin")},
		{Text: lang.L("Endpoint"), Widget: f.endpoint, HintText: lang.L("where the server's Rosenpass listens")},
	}
	f.dlg = dialog.NewForm(lang.L("Turn on post-quantum (Rosenpass)"), lang.L("Turn on"), lang.L("Cancel"), items, f.submit, a.win)
	f.dlg.Resize(fyne.NewSize(560, 0))
	f.dlg.Show()
	a.pqForm = f
	return f
}

func (f *rosenpassForm) chooseKey() {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil {
			f.a.showError(err)
			return
		}
		if r == nil {
			return
		}
		defer r.Close()
		data, err := io.ReadAll(io.LimitReader(r, maxRosenpassKey+1))
		if err != nil {
			f.a.showError(fmt.Errorf("%s: %w", lang.L("Cannot read {{.Name}}", map[string]string{"Name": r.URI().Name()}), err))
			return
		}
		f.setKey(r.URI().Name(), data)
	}, f.a.win)
	f.a.showFileDialog(d)
}

// setKey takes the chosen key file.
func (f *rosenpassForm) setKey(file string, data []byte) {
	f.key = data
	f.keyFile.SetText(file)
	f.dlg.Refresh()
}

func (f *rosenpassForm) submit(ok bool) {
	if !ok {
		return
	}
	a := f.a
	if f.key == nil {
		a.showError(fmt.Errorf("%s", lang.L("Choose the server's Rosenpass public key file (pqpk) first.")))
		return
	}
	name, peer, key, endpoint := f.name, f.peer, f.key, f.endpoint.Text
	a.async(func(ctx context.Context) error {
		_, err := a.svc.RosenpassOn(ctx, name, peer, key, endpoint)
		return err
	}, func(err error) {
		if err != nil {
			a.showError(fmt.Errorf("%s: %w", lang.L("Cannot turn on Rosenpass for {{.Name}}", map[string]string{"Name": name}), err))
			return
		}
		a.fetchStatus()
	})
}

// rosenpassOff asks, then turns Rosenpass off for peer of tunnel name.
func (a *App) rosenpassOff(name, peer string) {
	dialog.NewConfirm(lang.L("Turn off post-quantum (Rosenpass)"),
		lang.L("Without Rosenpass, the tunnel to this peer is no longer protected against a quantum computer that records its traffic today. Turn it off?"),
		func(ok bool) {
			if !ok {
				return
			}
			a.async(func(ctx context.Context) error {
				_, err := a.svc.RosenpassOff(ctx, name, peer)
				return err
			}, func(err error) {
				if err != nil {
					a.showError(fmt.Errorf("%s: %w", lang.L("Cannot turn off Rosenpass for {{.Name}}", map[string]string{"Name": name}), err))
					return
				}
				a.fetchStatus()
			})
		}, a.win).Show()
}

// exportRosenpassKey saves the tunnel's Rosenpass public key for the
// server's admin.
func (a *App) exportRosenpassKey(name string) {
	a.saveFile(name+".pqpk", func(ctx context.Context) ([]byte, error) {
		return a.rosenpassKey(ctx, name)
	})
}

func (a *App) rosenpassKey(ctx context.Context, name string) ([]byte, error) {
	pk, err := a.svc.RosenpassPublicKey(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", lang.L("Cannot export the Rosenpass key of {{.Name}}", map[string]string{"Name": name}), err)
	}
	return pk, nil
}

// rosenpassPeers are the peers of the tunnel with Rosenpass on, as the
// service last said.
func (a *App) rosenpassPeers(name string) []string {
	t, ok := a.tunnels[name]
	if !ok || t.status == nil {
		return nil
	}
	var out []string
	for _, p := range t.status.Peers {
		if p.Rosenpass != nil {
			out = append(out, p.PublicKey)
		}
	}
	return out
}

// rosenpassFromBundle turns Rosenpass on for the peer whose server key came
// with the tunnel in a bundle, and says in a line of the summary whether it
// did.
func (a *App) rosenpassFromBundle(ctx context.Context, name string, k *importer.RosenpassKey) string {
	peer := k.Peer.String()
	if _, err := a.svc.RosenpassOn(ctx, name, peer, k.PublicKey, ""); err != nil {
		return lang.L("Rosenpass is not on for peer {{.Peer}}: {{.Error}}; turn it on in the details.", map[string]string{"Peer": shortKey(peer), "Error": err.Error()})
	}
	return lang.L("Rosenpass is on for peer {{.Peer}}, with the key from {{.File}}.", map[string]string{"Peer": shortKey(peer), "File": k.File})
}
