package app

import (
	"embed"
	"sync"

	"fyne.io/fyne/v2/lang"
)

// translations holds one JSON file per language, named after it (de.json),
// mapping each English text of the app to its translation. English needs
// none: the texts in the code are English. A translator adds a language
// by adding its file; a text missing from it stays English.
//
//go:embed translations
var translations embed.FS

var translationsOnce sync.Once

// loadTranslations hands the catalogue to Fyne, which picks the language
// from the OS locale (LANGUAGE, LC_ALL, LC_MESSAGES, LANG on Linux).
func loadTranslations() error {
	return lang.AddTranslationsFS(translations, "translations")
}
