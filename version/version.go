// Package version holds what the build stamps into both binaries.
package version

// Set at build time with -ldflags "-X github.com/wgtray/wgtray/version.Version=...".
var (
	Version = "dev"
	Commit  = "unknown"
)

// String is the one-line form `wgtrayd --version` and the About box show.
func String() string { return "wgtray " + Version + " (" + Commit + ")" }
