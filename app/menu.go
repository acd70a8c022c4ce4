package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"

	"github.com/wgtray/wgtray/version"
)

// mainMenu is the window's menu: the ways to import, and About for the
// version a bug report needs.
func (a *App) mainMenu() *fyne.MainMenu {
	return fyne.NewMainMenu(
		fyne.NewMenu("File",
			fyne.NewMenuItem("Import files…", a.ImportDialog),
			fyne.NewMenuItem("Import all files of a folder…", a.importFolderDialog),
			fyne.NewMenuItem("Paste configuration", a.importClipboard)),
		fyne.NewMenu("Help", fyne.NewMenuItem("About wgtray", a.about)))
}

// about shows the app's version and the commit it was built from.
func (a *App) about() {
	dialog.ShowInformation("About wgtray",
		version.String()+"\nA WireGuard client: tunnels, kill switch, keys in your keyring.", a.win)
}
