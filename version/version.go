// Package version holds what the build stamps into both binaries.
package version

import "strings"

// Set at build time with -ldflags "-X github.com/wgtray/wgtray/version.Version=...".
var (
	Version = "dev"
	Commit  = "unknown"
)

// String is the one-line form `wgtrayd --version` and the About box show.
func String() string { return format(Version, Commit) }

// format names the commit only when the version does not already: git
// describe of an untagged tree is the commit itself ("c68d878" or
// "c68d878-dirty").
func format(v, commit string) string {
	if commit == "" || commit == "unknown" || strings.Contains(v, commit) {
		return "wgtray " + v
	}
	return "wgtray " + v + " (" + commit + ")"
}
