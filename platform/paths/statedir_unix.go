//go:build !windows

package paths

import (
	"fmt"
	"os"
)

// MakeStateDir creates the state directory dir if need be and makes it the
// service's alone: mode 0700, whatever it was.
func MakeStateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state directory %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("restrict state directory %s: %w", dir, err)
	}
	return nil
}
