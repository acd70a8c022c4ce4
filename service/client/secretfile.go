package client

import (
	"os"
	"path/filepath"
)

// WriteSecretFile writes data, which holds keys, to path readable by its
// owner only (mode 0600). It writes a new file in the same folder and
// renames it over path: the mode of a file already there and a descriptor
// someone opened on it earlier give nothing away.
func WriteSecretFile(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	err = tmp.Chmod(0o600)
	if err == nil {
		_, err = tmp.Write(data)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
