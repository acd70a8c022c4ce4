package seal

import (
	"fmt"
	"os"
	"strings"
)

// fileNames are the names of the sealed files in dir; temporary files of an
// interrupted write start with a dot and are not names.
func fileNames(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	return names, nil
}
