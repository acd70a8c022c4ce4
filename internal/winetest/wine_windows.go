// Package winetest is the Windows lane of make test: the scripts that make
// a Wine prefix in which Go's Windows test binaries run (prefix, overlay,
// exec), and what those tests ask to tell Wine from Windows where Wine
// lacks an API.
package winetest

import "golang.org/x/sys/windows"

// UnderWine reports whether the program runs under Wine, whose ntdll alone
// exports wine_get_version.
func UnderWine() bool {
	return windows.NewLazySystemDLL("ntdll.dll").NewProc("wine_get_version").Find() == nil
}
