package app

import (
	"sync"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/lang"

	"github.com/wgtray/wgtray/app/translations"
)

var translationsOnce sync.Once

// loadTranslations hands the catalogue (app/translations) to Fyne, which
// picks the language from the OS locale (LANGUAGE, LC_ALL, LC_MESSAGES,
// LANG on Linux).
func loadTranslations() error {
	var first error
	for l, data := range translations.Catalogues() {
		if err := lang.AddTranslationsForLocale(data, fyne.Locale(l)); err != nil && first == nil {
			first = err
		}
	}
	return first
}
