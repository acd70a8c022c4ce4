//go:build linux || darwin

package netconf

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/wgtray/wgtray/internal/atomicfile"
)

// A tunnel's interface, addresses and the routes through it die with the
// process that holds its TUN device; routing rules (Linux), routes through
// other interfaces (macOS) and DNS changes do not. Before making such a
// change the tunnel writes a record of it to the state directory, so
// RecoverNetwork can undo it after a crash.
const (
	networkRecordKind = "network"
	dnsRecordKind     = "dns"
)

func recordPath(dir, iface, kind string) string {
	return filepath.Join(dir, iface+"."+kind+".json")
}

// writeRecord stores v atomically, readable only by root.
func writeRecord(dir, iface, kind string, v any) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create state directory: %w", err)
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := atomicfile.Write(recordPath(dir, iface, kind), data, 0o600); err != nil {
		return fmt.Errorf("write recovery record: %w", err)
	}
	return nil
}

func removeRecord(dir, iface, kind string) error {
	if err := os.Remove(recordPath(dir, iface, kind)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove recovery record: %w", err)
	}
	return nil
}

// recoverRecords hands every record in stateDir to the undo function of
// its kind and removes the records that were undone; files a write left
// half-done go too.
func recoverRecords(stateDir string, log *slog.Logger, undo map[string]func([]byte) error) error {
	entries, err := os.ReadDir(stateDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read state directory: %w", err)
	}
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			os.Remove(filepath.Join(stateDir, name))
			continue
		}
		base, isJSON := strings.CutSuffix(name, ".json")
		dot := strings.LastIndexByte(base, '.')
		if !isJSON || dot < 0 {
			continue
		}
		iface, kind := base[:dot], base[dot+1:]
		fn, ok := undo[kind]
		if !ok {
			continue
		}
		data, err := os.ReadFile(filepath.Join(stateDir, name))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := fn(data); err != nil {
			errs = append(errs, fmt.Errorf("recover %s of %s: %w", kind, iface, err))
			continue
		}
		log.Info("undid the changes of a tunnel that was not shut down", "interface", iface, "kind", kind)
		errs = append(errs, removeRecord(stateDir, iface, kind))
	}
	return errors.Join(errs...)
}
