// Package translations holds wgtray's texts in other languages, one JSON
// file per language named after it (de.json), each mapping an English
// text to its translation. The window hands them to Fyne; the tray agent,
// which links no Fyne, looks texts up with Lookup. English needs no file:
// the texts in the code are English, and a text missing from a file stays
// English.
package translations

import (
	"embed"
	"encoding/json"
	"os"
	"strings"
)

//go:embed *.json
var files embed.FS

// Catalogues maps each language ("de") to its file's content.
func Catalogues() map[string][]byte {
	out := map[string][]byte{}
	entries, _ := files.ReadDir(".")
	for _, e := range entries {
		data, err := files.ReadFile(e.Name())
		if err == nil {
			out[strings.TrimSuffix(e.Name(), ".json")] = data
		}
	}
	return out
}

// Preferred are the user's languages as BCP 47 tags ("de-DE"), best
// first, read from the environment as gettext does: the first of LC_ALL,
// LC_MESSAGES and LANG that is set; for the C or POSIX locale (also
// "C.UTF-8") none, that is English; otherwise LANGUAGE, a list separated
// by colons, when set. Encodings and modifiers ("de_DE.UTF-8@euro") are
// dropped, and so is anything that is no language tag.
func Preferred(getenv func(string) string) []string {
	locale := ""
	for _, v := range []string{"LC_ALL", "LC_MESSAGES", "LANG"} {
		if locale = getenv(v); locale != "" {
			break
		}
	}
	if isC(locale) {
		return nil
	}
	list := locale
	if l := getenv("LANGUAGE"); l != "" {
		list = l
	}
	var tags []string
	for _, l := range strings.Split(list, ":") {
		if t, ok := tag(l); ok {
			tags = append(tags, t)
		}
	}
	return tags
}

func isC(locale string) bool {
	base, _, _ := strings.Cut(locale, ".")
	return base == "C" || base == "POSIX"
}

// tag turns a POSIX locale ("de_DE.UTF-8@euro") into a language tag
// ("de-DE"), when it is one: two or three letters, then an optional
// region of two letters or three digits.
func tag(locale string) (string, bool) {
	base, _, _ := strings.Cut(locale, "@")
	base, _, _ = strings.Cut(base, ".")
	lang, region, hasRegion := strings.Cut(strings.ReplaceAll(base, "-", "_"), "_")
	if !(len(lang) == 2 || len(lang) == 3) || !all(lang, isLetter) {
		return "", false
	}
	if !hasRegion {
		return strings.ToLower(lang), true
	}
	if !(len(region) == 2 && all(region, isLetter) || len(region) == 3 && all(region, isDigit)) {
		return "", false
	}
	return strings.ToLower(lang) + "-" + strings.ToUpper(region), true
}

func all(s string, f func(byte) bool) bool {
	for i := range len(s) {
		if !f(s[i]) {
			return false
		}
	}
	return true
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }
func isDigit(b byte) bool  { return '0' <= b && b <= '9' }

// Lookup returns the translation function for the first of langs that
// has a catalogue ("de-DE" finds de.json), or one that keeps the English
// text. "{{.Key}}" in a text is replaced by data's value for Key, as in
// the window's texts.
func Lookup(langs []string) func(text string, data ...map[string]string) string {
	cats := Catalogues()
	var cat map[string]string
	for _, l := range langs {
		base, _, _ := strings.Cut(l, "-")
		if data, ok := cats[base]; ok && json.Unmarshal(data, &cat) == nil {
			break
		}
	}
	return func(text string, data ...map[string]string) string {
		if t, ok := cat[text]; ok && t != "" {
			text = t
		}
		for _, d := range data {
			for k, v := range d {
				text = strings.ReplaceAll(text, "{{."+k+"}}", v)
			}
		}
		return text
	}
}

// Fyne reads the locale from the environment as gettext does, and logs
// "Error parsing user locale" for one that is no language tag, such as
// "C.UTF-8", already while its packages initialise. This package has no
// dependency outside the standard library, so it initialises before
// Fyne's lang package in every program that imports it (packages
// initialise in the order of their import paths among those ready, and
// "fyne.io/fyne/v2/lang" waits for github.com/nicksnyder/go-i18n); it
// puts the languages it found, or English, into LANGUAGE, which Fyne then
// reads instead.
func init() { quiet(os.Getenv, os.Setenv) }

func quiet(getenv func(string) string, setenv func(string, string) error) {
	tags := Preferred(getenv)
	if len(tags) == 0 {
		tags = []string{"en"}
	}
	for i, t := range tags {
		tags[i] = strings.ReplaceAll(t, "-", "_")
	}
	_ = setenv("LANGUAGE", strings.Join(tags, ":"))
}
