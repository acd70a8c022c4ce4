package tunnel

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/wgtray/wgtray/platform/netconf"
)

// A running tunnel has a file NAME.running in the state directory; one left
// there when the service starts belongs to a tunnel of a run that crashed.
const runningSuffix = ".running"

func markRunning(stateDir, name string) error {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return fmt.Errorf("create the state directory: %w", err)
	}
	if err := os.WriteFile(filepath.Join(stateDir, name+runningSuffix), nil, 0o600); err != nil {
		return fmt.Errorf("record the running tunnel: %w", err)
	}
	return nil
}

func unmarkRunning(stateDir, name string) error {
	if err := os.Remove(filepath.Join(stateDir, name+runningSuffix)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the running tunnel's record: %w", err)
	}
	return nil
}

// Recover undoes what tunnels of a crashed run left behind (routing rules,
// DNS, UAPI sockets nobody serves), as recorded in stateDir. The service
// calls it when it starts, before it brings any tunnel up. Interfaces,
// addresses and routes need no recovery: they die with the process. log
// gets what was undone.
func Recover(stateDir string, log *slog.Logger) error {
	var errs []error
	if err := netconf.RecoverNetwork(stateDir, log); err != nil {
		errs = append(errs, fmt.Errorf("undo the network changes of the previous run: %w", err))
	}
	running, err := filepath.Glob(filepath.Join(stateDir, "*"+runningSuffix))
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	for _, path := range running {
		name := strings.TrimSuffix(filepath.Base(path), runningSuffix)
		if err := errors.Join(removeStaleUAPI(name), unlinkUAPI(name)); err != nil {
			errs = append(errs, fmt.Errorf("remove the UAPI socket of %s: %w", name, err))
			continue
		}
		errs = append(errs, unmarkRunning(stateDir, name))
	}
	return errors.Join(errs...)
}
