package paths

import (
	"os"
	"path/filepath"
)

const defaultSocketPath = `\\.\pipe\wgtray`

var defaultStateDir = filepath.Join(programData(), "wgtray")

func programData() string {
	if d := os.Getenv("ProgramData"); d != "" {
		return d
	}
	return `C:\ProgramData`
}
