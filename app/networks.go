package app

import (
	"cmp"
	"context"
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

// networksView is the Networks tab: the network the computer is on,
// whether this machine trusts it, a button to trust it, and the trusted
// networks with who added them. Tunnels set to run only on untrusted
// networks stay down on a trusted one.
type networksView struct {
	a       *App
	content fyne.CanvasObject

	current, trustState *widget.Label
	name                *widget.Entry
	trust, add          *widget.Button

	list  *fyne.Container // one row per trusted network
	none  *widget.Label
	shown []api.TrustedNetwork // what list shows, to rebuild it only on a change
	rows  []*trustedRow
}

// trustedRow is one trusted network in the list.
type trustedRow struct {
	content fyne.CanvasObject
	remove  *widget.Button
}

func newNetworksView(a *App) *networksView {
	v := &networksView{a: a}
	intro := widget.NewLabel(lang.L("A tunnel set to run only on untrusted networks stays down while this computer is on a network trusted here, and comes up when it leaves. A network is known by its gateway's hardware address, which a nearby attacker cannot fake cheaply; a Wi-Fi name alone can be faked."))
	intro.Wrapping = fyne.TextWrapWord
	v.current = widget.NewLabel("")
	v.current.Wrapping = fyne.TextWrapWord
	v.current.TextStyle.Bold = true
	v.trustState = widget.NewLabel("")
	v.trustState.Wrapping = fyne.TextWrapWord
	v.name = widget.NewEntry()
	v.name.SetPlaceHolder(lang.L("Name, such as home (optional)"))
	v.trust = widget.NewButtonWithIcon(lang.L("Trust this network…"), theme.ConfirmIcon(), v.trustCurrent)
	v.add = widget.NewButtonWithIcon(lang.L("Add by Wi-Fi name or gateway…"), theme.ContentAddIcon(), v.addByFields)
	v.none = widget.NewLabel(lang.L("No network is trusted: every tunnel runs wherever this computer is."))
	v.none.Wrapping = fyne.TextWrapWord
	v.list = container.NewVBox()

	here := widget.NewCard("", lang.L("This network"), container.NewVBox(v.current, v.trustState,
		container.NewBorder(nil, nil, nil, v.trust, v.name)))
	trusted := widget.NewCard("", lang.L("Trusted networks"), container.NewVBox(v.none, v.list,
		container.NewHBox(v.add)))
	v.content = container.NewVScroll(container.NewVBox(intro, here, trusted))
	return v
}

// identifies says in words what identifies a network: its Wi-Fi name, its
// gateway's hardware address, its IPv6 router.
func identifies(ssid, mac string, router6 netip.Addr) string {
	var parts []string
	if ssid != "" {
		parts = append(parts, lang.L("Wi-Fi “{{.SSID}}”", map[string]string{"SSID": ssid}))
	}
	if mac != "" {
		parts = append(parts, lang.L("gateway {{.MAC}}", map[string]string{"MAC": mac}))
	}
	if router6.IsValid() {
		parts = append(parts, lang.L("IPv6 router {{.Address}}", map[string]string{"Address": router6.String()}))
	}
	return strings.Join(parts, ", ")
}

// ssidOnlyWarning is the window's words for api.SSIDOnlyWarning.
func ssidOnlyWarning() string {
	return lang.L("A network trusted by its Wi-Fi name alone can be faked: anyone nearby can name a Wi-Fi network so and turn the VPN off. Trust it by its gateway too: choose Trust this network while this computer is on it.")
}

func (v *networksView) refresh() {
	a := v.a
	cur := a.networks.Current
	weak := cur.Trusted && cur.GatewayMAC != "" && !slices.ContainsFunc(a.networks.Trusted, func(n api.TrustedNetwork) bool {
		return n.Current && n.GatewayMAC != ""
	})
	switch {
	case !a.connected:
		v.current.SetText(lang.L("Unknown until the service answers again"))
		v.trustState.SetText("")
	case !cur.Known:
		v.current.SetText(lang.L("Unknown network"))
		v.trustState.SetText(lang.L("Its gateway is not known (yet), so it counts as untrusted: it cannot be trusted and every tunnel runs here."))
	case weak:
		v.current.SetText(identifies(cur.SSID, cur.GatewayMAC, cur.Router6))
		v.trustState.SetText(lang.L("Trusted as {{.Name}} by its Wi-Fi name alone, which anyone nearby can fake. To trust it by its gateway instead, trust this network, then remove {{.Name}}.", map[string]string{"Name": cur.TrustedName}))
	default:
		v.current.SetText(identifies(cur.SSID, cur.GatewayMAC, cur.Router6))
		if cur.Trusted {
			v.trustState.SetText(lang.L("Trusted, as {{.Name}}: tunnels set to run only on untrusted networks stay down here.", map[string]string{"Name": cur.TrustedName}))
		} else {
			v.trustState.SetText(lang.L("Not trusted: every tunnel runs here."))
		}
	}
	v.trustState.Hidden = v.trustState.Text == ""
	// A network trusted by its Wi-Fi name alone may still be trusted by
	// its gateway: that is what the warning asks for.
	trustable := a.connected && cur.Known && (!cur.Trusted || weak)
	setEnabled(v.trust, trustable)
	setEnabled(v.name, trustable)
	setEnabled(v.add, a.connected)

	list := a.networks.Trusted
	if !a.connected {
		list = nil
	}
	if !slices.Equal(list, v.shown) {
		v.shown = slices.Clone(list)
		v.list.RemoveAll()
		v.rows = v.rows[:0]
		for _, n := range list {
			r := v.newRow(n)
			v.rows = append(v.rows, r)
			v.list.Add(r.content)
		}
	}
	v.none.Hidden = len(list) > 0 || !a.connected
	v.content.Refresh()
}

// newRow shows one trusted network: its name, what identifies it, who
// added it and when, a warning for a Wi-Fi name alone, and Remove where
// the caller may.
func (v *networksView) newRow(n api.TrustedNetwork) *trustedRow {
	title := widget.NewLabelWithStyle(n.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	if n.Current {
		title.SetText(lang.L("{{.Name}} (this network)", map[string]string{"Name": n.Name}))
	}
	what := identifies(n.SSID, n.GatewayMAC, n.Router6)
	who := cmp.Or(n.AddedBy.Name, n.AddedBy.UID)
	lines := []fyne.CanvasObject{title,
		widget.NewLabel(lang.L("Identified by {{.What}}", map[string]string{"What": what})),
		widget.NewLabel(lang.L("Added by {{.Who}} on {{.Date}}", map[string]string{"Who": who, "Date": n.AddedAt.Local().Format("2006-01-02")})),
	}
	if n.Warning != "" {
		w := widget.NewLabel(ssidOnlyWarning())
		w.Wrapping = fyne.TextWrapWord
		w.Importance = widget.WarningImportance
		lines = append(lines, w)
	}
	r := &trustedRow{}
	r.remove = widget.NewButtonWithIcon(lang.L("Remove"), theme.DeleteIcon(), func() { v.distrust(n) })
	if !n.Removable {
		r.remove.Disable()
		why := widget.NewLabel(lang.L("Only {{.Who}} or an administrator can remove it.", map[string]string{"Who": who}))
		why.Wrapping = fyne.TextWrapWord
		lines = append(lines, why)
	}
	r.content = container.NewVBox(container.NewBorder(nil, nil, nil, container.NewVBox(r.remove), container.NewVBox(lines...)), widget.NewSeparator())
	return r
}

// trustCurrent trusts the network the computer is on, after the user
// agreed; for one known by its Wi-Fi name alone the question says that it
// can be faked.
func (v *networksView) trustCurrent() {
	cur := v.a.networks.Current
	if !cur.Known {
		return
	}
	name := strings.TrimSpace(v.name.Text)
	v.a.trust(api.TrustRequest{Current: true, Name: name}, cmp.Or(name, identifies(cur.SSID, cur.GatewayMAC, cur.Router6)),
		cur.GatewayMAC == "" && cur.SSID != "", func() { v.name.SetText("") })
}

// addByFields asks for a Wi-Fi name, a gateway's hardware address and a
// name, and trusts the network they identify.
func (v *networksView) addByFields() {
	ssid, mac, name := widget.NewEntry(), widget.NewEntry(), widget.NewEntry()
	mac.SetPlaceHolder("aa:bb:cc:dd:ee:ff")
	name.SetPlaceHolder(lang.L("Name, such as home (optional)"))
	items := []*widget.FormItem{
		widget.NewFormItem(lang.L("Wi-Fi name"), ssid),
		widget.NewFormItem(lang.L("Gateway address"), mac),
		widget.NewFormItem(lang.L("Name"), name),
	}
	d := dialog.NewForm(lang.L("Trust a network"), lang.L("Next…"), lang.L("Cancel"), items, func(ok bool) {
		if !ok {
			return
		}
		req := api.TrustRequest{SSID: ssid.Text, GatewayMAC: strings.TrimSpace(mac.Text), Name: strings.TrimSpace(name.Text)}
		if req.SSID == "" && req.GatewayMAC == "" {
			v.a.showError(fmt.Errorf("%s", lang.L("Give the Wi-Fi name, the gateway's hardware address, or both.")))
			return
		}
		v.a.trust(req, cmp.Or(req.Name, identifies(req.SSID, req.GatewayMAC, netip.Addr{})), req.GatewayMAC == "", nil)
	}, v.a.win)
	d.Resize(fyne.NewSize(min(480, v.a.win.Canvas().Size().Width), d.MinSize().Height))
	d.Show()
}

// trust asks the user, then the service, to trust the network req names
// (shown as what); ssidOnly adds the warning that a Wi-Fi name alone can
// be faked. done runs after the service agreed.
func (a *App) trust(req api.TrustRequest, what string, ssidOnly bool, done func()) {
	text := lang.L("Tunnels set to run only on untrusted networks go down on {{.Network}} and stay down while this computer is on it. The list of trusted networks belongs to this computer: it counts for every user.", map[string]string{"Network": what})
	if ssidOnly {
		text += "\n\n" + ssidOnlyWarning()
	}
	a.confirmDestructive(lang.L("Trust {{.Network}}?", map[string]string{"Network": what}), text, lang.L("Trust"), func() {
		a.async(func(ctx context.Context) error {
			_, err := a.svc.Trust(ctx, req)
			return err
		}, func(err error) {
			if err != nil {
				a.showError(fmt.Errorf("%s: %w", lang.L("Cannot trust {{.Network}}", map[string]string{"Network": what}), err))
				return
			}
			if done != nil {
				done()
			}
		})
	}, nil)
}

// distrust removes a trusted network after the user agreed.
func (v *networksView) distrust(n api.TrustedNetwork) {
	a := v.a
	a.confirmDestructive(lang.L("Stop trusting {{.Network}}?", map[string]string{"Network": n.Name}),
		lang.L("Tunnels set to run only on untrusted networks run on {{.Network}} again.", map[string]string{"Network": n.Name}),
		lang.L("Remove"), func() {
			a.async(func(ctx context.Context) error {
				return a.svc.Distrust(ctx, n.ID)
			}, func(err error) {
				// Not found: removed elsewhere meanwhile, as asked.
				if err != nil && !client.IsCode(err, api.CodeNotFound) {
					a.showError(fmt.Errorf("%s: %w", lang.L("Cannot remove {{.Network}}", map[string]string{"Network": n.Name}), err))
				}
			})
		}, nil)
}
