//go:build !darwin

package tray

import "fyne.io/systray"

// setTitle sets the item's title, which the tray reads out (Linux) or
// ignores (Windows), never shown beside the icon.
func setTitle(title string) { systray.SetTitle(title) }
