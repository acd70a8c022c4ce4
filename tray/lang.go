package tray

import (
	"os"

	"github.com/wgtray/wgtray/app/translations"
)

// tr translates a text of the tray and its notifications into the user's
// language, from the catalogue the window uses (app/translations; no Fyne
// here). "{{.Key}}" in a text is replaced by data's Key.
var tr = translations.Lookup(translations.Preferred(os.Getenv))
