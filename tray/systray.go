package tray

import (
	"sync"

	"fyne.io/systray"

	"github.com/wgtray/wgtray/assets"
)

// iconSize is the size the tray icons are drawn at; hosts scale them.
const iconSize = 64

// Systray is the Host on the desktop: fyne.io/systray's icon and menu.
type Systray struct {
	mu    sync.Mutex
	icons map[assets.State][]byte
}

// NewSystray draws every state's icon once, in the form the OS takes.
func NewSystray() *Systray {
	s := &Systray{icons: map[assets.State][]byte{}}
	for _, st := range assets.States {
		s.icons[st] = iconData(assets.PNG(assets.TrayIcon(st, iconSize)))
	}
	return s
}

// SetIcon shows the icon of a state.
func (s *Systray) SetIcon(st assets.State) { systray.SetIcon(s.icons[st]) }

// SetText sets the tooltip and, where the tray shows it beside the icon
// only on request, the title.
func (s *Systray) SetText(title, tooltip string) {
	setTitle(title)
	systray.SetTooltip(tooltip)
}

// SetMenu replaces the menu. systray has no way to insert an entry, so the
// menu is built anew; removing an entry closes its click channel, which
// ends the goroutine that waited on it.
func (s *Systray) SetMenu(items []Item) {
	s.mu.Lock()
	defer s.mu.Unlock()
	systray.ResetMenu()
	for _, it := range items {
		switch {
		case it.Separator:
			systray.AddSeparator()
		case it.Checkable:
			configure(systray.AddMenuItemCheckbox(it.Label, "", it.Checked), it)
		default:
			configure(systray.AddMenuItem(it.Label, ""), it)
		}
	}
}

func configure(m *systray.MenuItem, it Item) {
	for _, sub := range it.Sub {
		switch {
		case sub.Separator:
			m.AddSeparator()
		case sub.Checkable:
			configure(m.AddSubMenuItemCheckbox(sub.Label, "", sub.Checked), sub)
		default:
			configure(m.AddSubMenuItem(sub.Label, ""), sub)
		}
	}
	if it.Disabled {
		m.Disable()
	}
	if it.Do != nil {
		go func() {
			for range m.ClickedCh {
				it.Do()
			}
		}()
	}
}
