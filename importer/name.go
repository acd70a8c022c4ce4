package importer

import (
	"fmt"
	"strings"
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

// TunnelName derives the tunnel name from a file name as wg-quick does
// (/etc/wireguard/wg0.conf is wg0). Slashes and backslashes both separate
// folders, whatever the OS. An unusable name gives a *NameError.
func TunnelName(filename string) (string, error) {
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
	if err := ValidateName(base); err != nil {
		return "", err
	}
	return base, nil
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
	return &NameError{Name: name, Reason: reason, Suggestion: suggestName(name)}
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

// suggestName turns name into a valid one: runs of other characters become
// one "_", a leading "." or "-" goes, then it is cut to 15 characters.
func suggestName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if nameChar(r) {
			b.WriteRune(r)
		} else if s := b.String(); s != "" && !strings.HasSuffix(s, "_") {
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".-")
	if len(s) > MaxNameLen {
		s = s[:MaxNameLen]
	}
	s = strings.TrimRight(s, "_-.")
	if s == "" || reservedName(s) {
		s = "wg" + s
		if len(s) > MaxNameLen || s == "wg" {
			s = "wg0"
		}
	}
	return s
}
