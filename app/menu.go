package app

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/lang"

	"github.com/wgtray/wgtray/version"
)

// mainMenu is the window's menu: the ways to import, and About for the
// version a bug report needs.
func (a *App) mainMenu() *fyne.MainMenu {
	return fyne.NewMainMenu(
		fyne.NewMenu(lang.L("File"),
			fyne.NewMenuItem(lang.L("Import files…"), a.ImportDialog),
			fyne.NewMenuItem(lang.L("Import all files of a folder…"), a.importFolderDialog),
			fyne.NewMenuItem(lang.L("Paste configuration"), a.importClipboard)),
		fyne.NewMenu(lang.L("Help"), fyne.NewMenuItem(lang.L("About wgtray"), a.about)))
}

// about shows the app's version and the commit it was built from.
func (a *App) about() {
	dialog.ShowInformation(lang.L("About wgtray"),
		version.String()+"\n"+lang.L("A WireGuard client: tunnels, kill switch, keys in your keyring."), a.win)
}
