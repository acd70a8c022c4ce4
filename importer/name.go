package importer

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// MaxNameLen is the longest tunnel name: the Linux interface-name limit.
const MaxNameLen = 15

// NameError is an unusable tunnel name, with a valid one to offer instead.
type NameError struct {
	Name       string
	Reason     string
	Suggestion string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("the tunnel name %q %s; a name is 1 to %d letters, digits or _=+.-, not starting with . or - — try %q",
		e.Name, e.Reason, MaxNameLen, e.Suggestion)
}

// importExtensions are stripped from a file name to get the tunnel name.
var importExtensions = []string{".conf", ".zip", ".png", ".jpg", ".jpeg", ".gif"}

// TunnelName is the tunnel name for a file: its name without the folder and
// the extension when that is a valid name, as wg-quick takes it
// (/etc/wireguard/wg0.conf is wg0); else the name DeriveName makes of it
// ("My Office VPN (Frankfurt, 2026).conf" is my-office-vpn-f), and derived
// is true. Slashes and backslashes both separate folders, whatever the OS.
func TunnelName(filename string) (name string, derived bool) {
	base := filename
	if i := strings.LastIndexAny(base, `/\`); i >= 0 {
		base = base[i+1:]
	}
	for _, ext := range importExtensions {
		if len(base) >= len(ext) && strings.EqualFold(base[len(base)-len(ext):], ext) {
			base = base[:len(base)-len(ext)]
			break
		}
	}
	if ValidateName(base) == nil {
		return base, false
	}
	return DeriveName(base), true
}

// DeriveName makes a valid tunnel name of any text, the way people name
// files: lower case, accents dropped from letters (ü is u), spaces and
// runs of dashes one "-", every other character that a name cannot have
// dropped, no "." or "-" at either end, at most MaxNameLen characters. A
// text with nothing usable gives "wg0"; a name Windows reserves gets "wg"
// in front (con is wgcon).
func DeriveName(text string) string {
	var b strings.Builder
	dash := false
	for _, r := range norm.NFKD.String(strings.ToLower(text)) {
		switch {
		case unicode.IsSpace(r) || r == '-':
			dash = b.Len() > 0
		case nameChar(r):
			if dash {
				b.WriteByte('-')
				dash = false
			}
			b.WriteRune(r)
		}
	}
	s := strings.TrimLeft(b.String(), ".-")
	if len(s) > MaxNameLen {
		s = s[:MaxNameLen]
	}
	s = strings.TrimRight(s, ".-")
	switch {
	case s == "":
		return "wg0"
	case reservedName(s):
		return "wg" + s
	}
	return s
}

// NumberedName is the n-th name to try when base is taken: base itself
// for n below 2, else base-n, with base cut so that it fits MaxNameLen
// (my-office-vpn-f, my-office-vpn-2, my-office-vpn-3...).
func NumberedName(base string, n int) string {
	if n < 2 {
		return base
	}
	suffix := "-" + strconv.Itoa(n)
	if len(base)+len(suffix) > MaxNameLen {
		base = strings.TrimRight(base[:MaxNameLen-len(suffix)], ".-")
	}
	return base + suffix
}

// ValidateName checks a tunnel name: 1 to 15 characters of
// [A-Za-z0-9_=+.-], as an interface name on every OS, not starting with "."
// (the store skips hidden files and takes ".NAME.*" for temporary ones) or
// "-" (commands like resolvconf would read it as an option), and not a name
// Windows reserves for devices. The error is a *NameError.
func ValidateName(name string) error {
	reason := ""
	switch {
	case name == "":
		reason = "is empty"
	case name == "." || name == "..":
		reason = "is a folder name"
	case len(name) > MaxNameLen:
		reason = fmt.Sprintf("is %d characters long, more than %d", len(name), MaxNameLen)
	case strings.IndexFunc(name, func(r rune) bool { return !nameChar(r) }) >= 0:
		reason = "has characters other than letters, digits and _=+.-"
	case name[0] == '.' || name[0] == '-':
		reason = fmt.Sprintf("starts with %q", name[:1])
	case reservedName(name):
		reason = "is a device name Windows reserves"
	default:
		return nil
	}
	return &NameError{Name: name, Reason: reason, Suggestion: DeriveName(name)}
}

func nameChar(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_=+.-", r)
}

// reservedName reports Windows device names (CON, COM1, ...), which cannot
// be file names there, with or without an extension.
func reservedName(name string) bool {
	stem, _, _ := strings.Cut(strings.ToUpper(name), ".")
	switch stem {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	return len(stem) == 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) && stem[3] >= '1' && stem[3] <= '9'
}
