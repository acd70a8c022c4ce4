package app

import (
	"strings"

	"fyne.io/fyne/v2"

	"github.com/wgtray/wgtray/assets"
	"github.com/wgtray/wgtray/service/api"
)

// trayIconSize is the size the tray icons are drawn at; hosts scale them.
const trayIconSize = 64

var trayIcons = map[assets.State]fyne.Resource{
	assets.Idle:  fyne.NewStaticResource("wgtray-idle.png", assets.PNG(assets.TrayIcon(assets.Idle, trayIconSize))),
	assets.Up:    fyne.NewStaticResource("wgtray-up.png", assets.PNG(assets.TrayIcon(assets.Up, trayIconSize))),
	assets.Error: fyne.NewStaticResource("wgtray-error.png", assets.PNG(assets.TrayIcon(assets.Error, trayIconSize))),
}

// AppIcon is the application icon as a Fyne resource.
var AppIcon = fyne.NewStaticResource("wgtray.png", assets.PNG(assets.AppIcon(256)))

// refreshTray hands the tray a new menu and icon when they changed. The
// menu is rebuilt rather than edited: Fyne's tray only picks up a change
// through SetSystemTrayMenu.
func (a *App) refreshTray() {
	if a.opts.Tray == nil {
		return
	}
	menu := a.trayMenuFor()
	text := menuText(menu)
	if text == a.trayMenu {
		return
	}
	a.trayMenu = text
	a.opts.Tray.SetSystemTrayMenu(menu)
	a.opts.Tray.SetSystemTrayIcon(trayIcons[a.trayState()])
}

func (a *App) trayState() assets.State {
	up, failed := a.aggregate()
	switch {
	case failed:
		return assets.Error
	case up:
		return assets.Up
	default:
		return assets.Idle
	}
}

// trayMenuFor lists every tunnel as a toggle, then the kill switch, Open and
// About; Fyne adds Quit.
func (a *App) trayMenuFor() *fyne.Menu {
	var items []*fyne.MenuItem
	if !a.connected {
		status := fyne.NewMenuItem("Service not running", nil)
		status.Disabled = true
		items = append(items, status)
	}
	for _, name := range a.names {
		t := a.tunnels[name]
		item := fyne.NewMenuItem(name, func() { a.toggle(name) })
		item.Checked = t.State == api.StateUp || t.State == api.StateStarting
		item.Disabled = !a.connected || t.State == api.StateStopping || (!t.Mine && t.State != api.StateUp)
		items = append(items, item)
	}
	if len(a.names) == 0 && a.connected {
		none := fyne.NewMenuItem("No tunnels", nil)
		none.Disabled = true
		items = append(items, none)
	}
	ks := fyne.NewMenuItem("Kill switch", func() {
		mode := api.KillSwitchAuto
		if a.killSwitch.Mode == api.KillSwitchAuto || a.killSwitch.Mode == api.KillSwitchAlways {
			mode = api.KillSwitchOff
		}
		a.setKillSwitch(mode, a.killSwitch.AllowLAN)
	})
	ks.Checked = a.killSwitch.Mode == api.KillSwitchAuto || a.killSwitch.Mode == api.KillSwitchAlways
	ks.Disabled = !a.connected || !a.killSwitch.Changeable
	if a.connected && !a.killSwitch.Changeable {
		ks.Label = "Kill switch (locked: only an administrator can change it)"
	}
	items = append(items, fyne.NewMenuItemSeparator(), ks, fyne.NewMenuItemSeparator(),
		fyne.NewMenuItem("Open wgtray", a.Show), fyne.NewMenuItem("About wgtray", func() { a.Show(); a.about() }))
	return fyne.NewMenu("wgtray", items...)
}

// menuText is a menu's visible content, to tell whether it changed.
func menuText(m *fyne.Menu) string {
	var b strings.Builder
	for _, it := range m.Items {
		switch {
		case it.IsSeparator:
			b.WriteString("--\n")
		default:
			b.WriteString(it.Label)
			if it.Checked {
				b.WriteString(" [x]")
			}
			if it.Disabled {
				b.WriteString(" (disabled)")
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}
