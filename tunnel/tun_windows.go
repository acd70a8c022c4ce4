package tunnel

import (
	"os"
	"path/filepath"
)

// tunMissing reports whether wintun.dll, Wintun's driver and library, is
// missing: Windows loads it from the executable's directory or System32.
func tunMissing() (string, bool) {
	exe, err := os.Executable()
	if err != nil {
		return "", false
	}
	dir := filepath.Dir(exe)
	for _, d := range []string{dir, filepath.Join(os.Getenv("SystemRoot"), "System32")} {
		if _, err := os.Stat(filepath.Join(d, "wintun.dll")); err == nil {
			return "", false
		}
	}
	return "wintun.dll is missing: put the wintun.dll of your architecture from https://www.wintun.net beside " + filepath.Base(exe) + " in " + dir + " (the wgtray zip ships it there)", true
}
