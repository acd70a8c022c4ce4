package app

import (
	"context"
	"fmt"
	"slices"

	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/service/api"
)

// startModes are the choices of the details' start menu, in its order.
var startModes = []api.StartMode{api.StartManual, api.StartLogin, api.StartBoot}

func startLabels() []string {
	return []string{lang.L("Starts manually"), lang.L("Starts at login"), lang.L("Starts at boot")}
}

// networksModes are the choices of the details' networks menu, in its
// order.
var networksModes = []api.NetworksMode{api.NetworksAny, api.NetworksUntrusted}

func networksLabels() []string {
	return []string{lang.L("On any network"), lang.L("Only on untrusted networks")}
}

// newStartSelect is the details' menu of when the selected tunnel starts.
func newStartSelect(a *App) *widget.Select {
	s := widget.NewSelect(startLabels(), nil)
	s.OnChanged = func(string) {
		t, ok := a.tunnels[a.selected]
		if !ok || s.SelectedIndex() < 0 {
			return
		}
		if mode := startModes[s.SelectedIndex()]; mode != startOf(t.Tunnel) {
			a.setStart(t.Name, mode, func() { showStart(s, t.Tunnel) })
		}
	}
	return s
}

// startOf is when t starts, manual when the service does not say.
func startOf(t api.Tunnel) api.StartMode {
	if t.Start == "" {
		return api.StartManual
	}
	return t.Start
}

// showStart selects when t starts in s.
func showStart(s *widget.Select, t api.Tunnel) {
	if i := slices.Index(startModes, startOf(t)); i >= 0 && s.SelectedIndex() != i {
		s.SetSelectedIndex(i)
	}
}

// setStart asks the service to start name by mode; boot only after the
// user agreed to give the key to this machine. revert puts the menu back
// when the user cancels or the service refuses.
func (a *App) setStart(name string, mode api.StartMode, revert func()) {
	apply := func() {
		a.async(func(ctx context.Context) error {
			_, err := a.svc.SetStart(ctx, name, mode)
			return err
		}, func(err error) {
			if err != nil {
				revert()
				a.showError(fmt.Errorf("start %s %s: %w", name, mode, err))
			}
		})
	}
	if mode != api.StartBoot {
		apply()
		return
	}
	dialog.NewConfirm(lang.L("Start {{.Name}} at boot", map[string]string{"Name": name}),
		lang.L("The key is given to this machine: the service keeps the keys of {{.Name}} sealed by the machine's secret store and brings it up when the computer starts, before anyone logs in. Administrators of this computer can use them.", map[string]string{"Name": name}),
		func(ok bool) {
			if !ok {
				revert()
				return
			}
			apply()
		}, a.win).Show()
}

// newNetworksSelect is the details' menu of where the selected tunnel
// runs: on any network, or only on networks this machine does not trust.
func newNetworksSelect(a *App) *widget.Select {
	s := widget.NewSelect(networksLabels(), nil)
	s.OnChanged = func(string) {
		t, ok := a.tunnels[a.selected]
		if !ok || s.SelectedIndex() < 0 {
			return
		}
		if mode := networksModes[s.SelectedIndex()]; mode != networksOf(t.Tunnel) {
			a.setNetworks(t.Name, mode, func() { showNetworks(s, t.Tunnel) })
		}
	}
	return s
}

// networksOf is where t runs, any network when the service does not say.
func networksOf(t api.Tunnel) api.NetworksMode {
	if t.Networks == "" {
		return api.NetworksAny
	}
	return t.Networks
}

// showNetworks selects where t runs in s.
func showNetworks(s *widget.Select, t api.Tunnel) {
	if i := slices.Index(networksModes, networksOf(t)); i >= 0 && s.SelectedIndex() != i {
		s.SetSelectedIndex(i)
	}
}

// setNetworks asks the service to run name on the networks mode says;
// revert puts the menu back when the service refuses.
func (a *App) setNetworks(name string, mode api.NetworksMode, revert func()) {
	a.async(func(ctx context.Context) error {
		_, err := a.svc.SetSettings(ctx, name, api.SettingsRequest{Networks: mode})
		return err
	}, func(err error) {
		if err != nil {
			revert()
			a.showError(fmt.Errorf("networks %s %s: %w", name, mode, err))
		}
	})
}
