package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/lang"
	"fyne.io/fyne/v2/widget"

	"github.com/wgtray/wgtray/service/api"
)

type killSwitchMode struct {
	mode  api.KillSwitchMode
	label string
}

// killSwitchModes are the modes with their labels in the user's language.
func killSwitchModes() []killSwitchMode {
	return []killSwitchMode{
		{api.KillSwitchOff, lang.L("Off")},
		{api.KillSwitchAuto, lang.L("Block traffic outside the tunnel while a full tunnel is up")},
		{api.KillSwitchAlways, lang.L("Always block traffic outside a tunnel (lockdown), even with no tunnel up")},
	}
}

// killSwitchView edits the kill-switch mode and the local-network
// exception and shows whether blocking rules are in place.
type killSwitchView struct {
	a        *App
	content  fyne.CanvasObject
	mode     *widget.RadioGroup
	allowLAN *widget.Check
	active   *widget.Label
	locked   *widget.Label // who may change a setting only administrators may
	errText  *widget.Label
	updating bool // refresh is setting the widgets, not the user
}

func newKillSwitchView(a *App) *killSwitchView {
	v := &killSwitchView{a: a}
	labels := make([]string, len(killSwitchModes()))
	for i, m := range killSwitchModes() {
		labels[i] = m.label
	}
	v.mode = widget.NewRadioGroup(labels, func(string) { v.changed() })
	v.mode.Required = true
	v.allowLAN = widget.NewCheck(lang.L("Allow the local network (printers, file shares: private, link-local and multicast addresses)"), func(bool) { v.changed() })
	v.active = widget.NewLabel("")
	v.locked = widget.NewLabel("")
	v.locked.Wrapping = fyne.TextWrapWord
	v.locked.Importance = widget.WarningImportance
	v.locked.Hide()
	v.errText = widget.NewLabel("")
	v.errText.Importance = widget.DangerImportance
	v.errText.Wrapping = fyne.TextWrapWord
	intro := widget.NewLabel(lang.L("The kill switch blocks every connection that does not go through a tunnel, so nothing leaks when a tunnel drops. Loopback, DHCP and the tunnel's own encrypted traffic are always allowed; DNS goes only to the tunnel's servers."))
	intro.Wrapping = fyne.TextWrapWord
	v.content = container.NewVBox(intro, v.locked, widget.NewCard("", lang.L("Mode"), v.mode), v.allowLAN, v.active, v.errText)
	return v
}

func (v *killSwitchView) changed() {
	if v.updating {
		return
	}
	mode := api.KillSwitchOff
	for _, m := range killSwitchModes() {
		if m.label == v.mode.Selected {
			mode = m.mode
		}
	}
	if mode == api.KillSwitchAlways && v.a.killSwitch.Mode != api.KillSwitchAlways {
		allowLAN := v.allowLAN.Checked
		v.a.confirmDestructive(lang.L("Always block traffic?"),
			lang.L("Lockdown blocks every connection outside a tunnel from now on, even with no tunnel up and after a restart, until you turn the kill switch off here. Without an active tunnel this computer is offline."),
			lang.L("Block"), func() { v.a.setKillSwitch(mode, allowLAN) }, v.refresh)
		return
	}
	v.a.setKillSwitch(mode, v.allowLAN.Checked)
}

func (v *killSwitchView) refresh() {
	ks := v.a.killSwitch
	v.updating = true
	defer func() { v.updating = false }()
	for _, m := range killSwitchModes() {
		if m.mode == ks.Mode || (ks.Mode == "" && m.mode == api.KillSwitchOff) {
			v.mode.SetSelected(m.label)
		}
	}
	v.allowLAN.SetChecked(ks.AllowLAN)
	if ks.Active {
		v.active.SetText(lang.L("Blocking now: only tunnel traffic leaves this computer."))
	} else {
		v.active.SetText(lang.L("Not blocking now."))
	}
	v.errText.SetText(ks.Error)
	v.errText.Hidden = ks.Error == ""
	v.locked.SetText(lockedText(ks))
	v.locked.Hidden = v.locked.Text == ""
	for _, w := range []fyne.Disableable{v.mode, v.allowLAN} {
		setEnabled(w, v.a.connected && (ks.Changeable || !ks.AdminOnly()))
	}
}

// lockedText says who may change a kill switch only administrators may
// change, or nothing.
func lockedText(ks api.KillSwitch) string {
	switch {
	case !ks.AdminOnly():
		return ""
	case !ks.Changeable:
		return lang.L("Locked: set by an administrator; only an administrator can change it.")
	default:
		return lang.L("Locked: you are an administrator; other users cannot change it.")
	}
}
