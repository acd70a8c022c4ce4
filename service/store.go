package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"

	"github.com/wgtray/wgtray/internal/atomicfile"
	"github.com/wgtray/wgtray/platform/paths"
)

// store keeps the service's state on disk: one file per tunnel in
// tunnels/, without secrets, and the kill-switch settings. Every file is
// mode 0600 and replaced atomically, so a crash leaves the old or the new
// content, never a mix.
type store struct {
	dir string
	// write replaces a file atomically: atomicfile.Write, or in a test a
	// write that blocks.
	write func(path string, data []byte, perm os.FileMode) error
}

// record is one tunnel on disk.
type record struct {
	Name      string `json:"name"`
	OwnerUID  string `json:"owner_uid"`
	OwnerName string `json:"owner_name,omitempty"`
	PublicKey string `json:"public_key"`
	// Config is the canonical wg-quick text of the redacted config.
	Config string `json:"config"`
	// WantUp remembers that the tunnel should be up, so a restarted
	// service asks for its keys again.
	WantUp bool `json:"want_up"`
	// Start says when the tunnel comes up by itself (empty: manual).
	Start api.StartMode `json:"start,omitempty"`
	// SealedBy names the secret store that seals the keys of a tunnel
	// that starts at boot; the sealed copy itself is not in this file.
	SealedBy string `json:"sealed_by,omitempty"`
	// Networks says on which networks the tunnel runs (empty: any).
	Networks api.NetworksMode `json:"networks,omitempty"`
	// Rosenpass is nil until Rosenpass is turned on for a peer.
	Rosenpass *rosenpassRecord `json:"rosenpass,omitempty"`
}

// settings are the service-wide settings.
type settings struct {
	KillSwitch api.KillSwitchMode `json:"killswitch"`
	AllowLAN   bool               `json:"allow_lan"`
	// KillSwitchLocked: only an administrator may change the kill switch.
	KillSwitchLocked bool `json:"killswitch_locked,omitempty"`
	// KillSwitchByAdmin: an administrator set the mode last (a lockdown
	// only an administrator lifts).
	KillSwitchByAdmin bool `json:"killswitch_by_admin,omitempty"`
}

func openStore(dir string) (*store, error) {
	if err := paths.MakeStateDir(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "tunnels"), 0o700); err != nil {
		return nil, fmt.Errorf("create state directory %s: %w", dir, err)
	}
	return &store{dir: dir, write: atomicfile.Write}, nil
}

func (s *store) tunnelPath(name string) string {
	return filepath.Join(s.dir, "tunnels", name+".json")
}

// loadTunnels reads every tunnel. A file that cannot be read or parsed
// does not stop the others: it is returned in bad with the reason.
func (s *store) loadTunnels() (recs []record, bad map[string]error, err error) {
	dir := filepath.Join(s.dir, "tunnels")
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", dir, err)
	}
	bad = make(map[string]error)
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || strings.HasPrefix(e.Name(), ".") || !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(dir, e.Name())
		r, err := readRecord(path)
		// Names are one name in any case; a file system that ignores case
		// may keep the file's old spelling after a rename to another case.
		if err == nil && !strings.EqualFold(r.Name, name) {
			err = fmt.Errorf("the file holds tunnel %q, not %q", r.Name, name)
		}
		if err != nil {
			bad[path] = err
			continue
		}
		recs = append(recs, r)
	}
	return recs, bad, nil
}

func readRecord(path string) (record, error) {
	var r record
	b, err := os.ReadFile(path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return r, fmt.Errorf("not valid JSON: %w", err)
	}
	if err := importer.ValidateName(r.Name); err != nil {
		return r, err
	}
	if _, err := importer.ParseRedacted(r.Name+".conf", []byte(r.Config)); err != nil {
		return r, fmt.Errorf("config: %w", err)
	}
	if r.Start != "" && !r.Start.Valid() {
		return r, fmt.Errorf("unknown start mode %q", r.Start)
	}
	if r.Networks != "" && !r.Networks.Valid() {
		return r, fmt.Errorf("unknown networks mode %q", r.Networks)
	}
	return r, nil
}

func (s *store) saveTunnel(r record) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return s.write(s.tunnelPath(r.Name), b, 0o600)
}

// renameTunnel stores r under its new name and removes the file of the old
// one, unless that is the same file (a change of case on Windows and macOS).
// On error the tunnel stays stored under the old name.
func (s *store) renameTunnel(old string, r record) error {
	if err := s.saveTunnel(r); err != nil {
		return err
	}
	newInfo, nerr := os.Stat(s.tunnelPath(r.Name))
	oldInfo, oerr := os.Stat(s.tunnelPath(old))
	if nerr == nil && oerr == nil && os.SameFile(newInfo, oldInfo) {
		return nil
	}
	if err := s.removeTunnel(old); err != nil {
		return errors.Join(err, s.removeTunnel(r.Name))
	}
	return nil
}

func (s *store) removeTunnel(name string) error {
	err := os.Remove(s.tunnelPath(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

func (s *store) settingsPath() string { return filepath.Join(s.dir, "settings.json") }

// loadSettings returns the defaults (kill switch off) when there is no file
// yet; a damaged file is an error, so the caller can fail closed.
func (s *store) loadSettings() (settings, error) {
	st := settings{KillSwitch: api.KillSwitchOff}
	b, err := os.ReadFile(s.settingsPath())
	if errors.Is(err, os.ErrNotExist) {
		return st, nil
	}
	if err != nil {
		return st, err
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%s is not valid JSON: %w", s.settingsPath(), err)
	}
	if !st.KillSwitch.Valid() {
		return st, fmt.Errorf("%s: unknown kill-switch mode %q", s.settingsPath(), st.KillSwitch)
	}
	return st, nil
}

func (s *store) saveSettings(st settings) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	return s.write(s.settingsPath(), b, 0o600)
}

// networksMode is where the tunnel runs, any when the file does not say.
func (r record) networksMode() api.NetworksMode {
	if r.Networks == "" {
		return api.NetworksAny
	}
	return r.Networks
}

// startMode is when the tunnel starts, manual when the file does not say.
func (r record) startMode() api.StartMode {
	if r.Start == "" {
		return api.StartManual
	}
	return r.Start
}
