package service

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/platform/seal"
	"github.com/wgtray/wgtray/service/api"
)

// bootCaller is who brings tunnels up at boot: the service itself.
var bootCaller = ipc.Peer{Admin: true, Name: "wgtrayd"}

// setSettings changes when a tunnel starts and on which networks it runs.
// Only its owner or an admin may (lookup refuses anyone else). For boot the
// keys are sealed by the machine's secret store: those sent (wiped here on
// every path), else those of the running tunnel. Leaving boot deletes the
// sealed copy. A change of networks applies the rule at once.
func (m *manager) setSettings(caller ipc.Peer, name string, req api.SettingsRequest, secrets *importer.Secrets) (api.Tunnel, error) {
	if secrets != nil {
		defer wipeSecrets(secrets)
	}
	if req.Start != "" && !req.Start.Valid() {
		return api.Tunnel{}, errorf(http.StatusBadRequest, api.CodeBadRequest, "unknown start mode %q: use manual, login or boot", req.Start)
	}
	if req.Networks != "" && !req.Networks.Valid() {
		return api.Tunnel{}, errorf(http.StatusBadRequest, api.CodeBadRequest, "unknown networks mode %q: use any or untrusted", req.Networks)
	}
	v, err := m.setStart(caller, name, req, secrets)
	if err != nil || req.Networks == "" {
		return v, err
	}
	return m.setNetworks(caller, v.Name, req.Networks)
}

// setStart is setSettings' part for the start mode.
func (m *manager) setStart(caller ipc.Peer, name string, req api.SettingsRequest, secrets *importer.Secrets) (api.Tunnel, error) {
	t, err := m.lookup(caller, name)
	if err != nil {
		return api.Tunnel{}, err
	}
	name = t.rec.Name
	if err := m.lockCurrent(name, t); err != nil {
		return api.Tunnel{}, err
	}
	defer t.op.Unlock()
	if req.Start == "" {
		m.mu.Lock()
		defer m.mu.Unlock()
		return t.view(caller), nil
	}
	sealedBy := ""
	if req.Start == api.StartBoot {
		m.mu.Lock()
		rp := t.rec.Rosenpass
		m.mu.Unlock()
		if rp != nil && len(rp.Peers) > 0 {
			return api.Tunnel{}, errRosenpassBoot(name)
		}
		if sealedBy, err = m.sealKeys(t, secrets); err != nil {
			return api.Tunnel{}, err
		}
	} else if err := m.removeSealed(name); err != nil {
		return api.Tunnel{}, err
	}
	m.mu.Lock()
	r := t.rec
	m.mu.Unlock()
	r.Start, r.SealedBy = req.Start, sealedBy
	if err := m.store.saveTunnel(r); err != nil {
		if req.Start == api.StartBoot {
			_ = m.sealed.Remove(name)
		}
		return api.Tunnel{}, fmt.Errorf("store tunnel %s: %w", name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t.rec = r
	m.log.Info("tunnel start mode set", "tunnel", name, "start", string(r.Start), "sealed_by", sealedBy, "by", caller.UID)
	m.publish(t)
	return t.view(caller), nil
}

// sealKeys seals the keys of t with the machine's secret store and says
// which store that is. Hold t.op, not m.mu.
func (m *manager) sealKeys(t *managed, sent *importer.Secrets) (string, error) {
	name := t.rec.Name
	if m.sealed == nil {
		return "", errorf(http.StatusNotImplemented, api.CodeNoMachineStore, "%s cannot start at boot: %v", name, m.sealErr)
	}
	m.mu.Lock()
	cfg, pub := t.cfg, t.rec.PublicKey
	var secrets importer.Secrets
	switch {
	case sent != nil:
		secrets = *sent
	case t.full != nil && t.upPub == pub:
		_, secrets = t.full.Redact()
	}
	m.mu.Unlock()
	if sent == nil {
		defer wipeSecrets(&secrets)
	}
	if secrets.PrivateKey.IsZero() {
		return "", errorf(http.StatusBadRequest, api.CodeBadRequest,
			"to start %s at boot the service needs its keys: set it from its owner's account, whose keyring holds them, or bring it up first", name)
	}
	return m.sealSecrets(name, cfg, pub, secrets)
}

// sealSecrets checks that secrets are the keys of cfg with public key pub
// and seals them under name. Hold the tunnel's op, not m.mu.
func (m *manager) sealSecrets(name string, cfg *importer.Config, pub string, secrets importer.Secrets) (string, error) {
	if secrets.PrivateKey.Public().String() != pub {
		return "", errorf(http.StatusBadRequest, api.CodeKeyMismatch,
			"the private key sent for %s does not belong to its public key %s; import the tunnel again to store the right keys", name, pub)
	}
	full, err := cfg.WithSecrets(secrets)
	if err != nil {
		return "", errorf(http.StatusBadRequest, api.CodeKeyMismatch, "keys for %s: %v", name, err)
	}
	wipeConfig(full)
	b := encodeSealed(secrets)
	defer clear(b)
	if err := m.sealed.Seal(name, b); err != nil {
		return "", errorf(http.StatusInternalServerError, api.CodeNoMachineStore, "%v", err)
	}
	return m.sealed.String(), nil
}

// removeSealed deletes the sealed copy of a tunnel's keys, if there is one.
func (m *manager) removeSealed(name string) error {
	if m.sealed == nil {
		return nil
	}
	if err := m.sealed.Remove(name); err != nil {
		return fmt.Errorf("%w; the tunnel still starts at boot", err)
	}
	return nil
}

// sweepSealed deletes sealed copies no tunnel owns (left by a crash
// between sealing and saving). It runs before the API serves, so that no
// tunnel is being set to boot meanwhile.
func (m *manager) sweepSealed() {
	if m.sealed == nil {
		return
	}
	names, err := m.sealed.Names()
	if err != nil {
		m.log.Error("cannot list the sealed keys", "error", err.Error())
		return
	}
	m.mu.Lock()
	var orphans []string
	for _, n := range names {
		// A copy whose name differs from its tunnel's only in case is
		// stray only beside one of the exact name: a file system that
		// ignores case may keep the old spelling after a rename.
		t, ok := m.tunnels[nameKey(n)]
		if !ok || t.rec.Start != api.StartBoot || (t.rec.Name != n && slices.Contains(names, t.rec.Name)) {
			orphans = append(orphans, n)
		}
	}
	m.mu.Unlock()
	for _, n := range orphans {
		if err := m.sealed.Remove(n); err != nil {
			m.log.Error("cannot remove sealed keys no tunnel owns", "tunnel", n, "error", err.Error())
		}
	}
}

// startAtBoot brings up every tunnel set to start at boot with its sealed
// keys, each on its own, and returns when every start has ended.
func (m *manager) startAtBoot() {
	m.mu.Lock()
	var boot []string
	for _, t := range m.tunnels {
		if t.rec.Start == api.StartBoot {
			boot = append(boot, t.rec.Name)
		}
	}
	m.mu.Unlock()
	var wg sync.WaitGroup
	for _, name := range boot {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m.startSealed(name)
		}()
	}
	wg.Wait()
}

// moveSealed seals the keys of a boot tunnel being renamed under its new
// name (the seal binds them to the name), and returns what ends the move
// once the rename is done (the old copy goes) or failed (the new one goes).
// Hold t.op.
func (m *manager) moveSealed(boot bool, oldName, newName string) (func(renamed bool), error) {
	if !boot || m.sealed == nil {
		return func(bool) {}, nil
	}
	b, err := m.sealed.Open(oldName)
	if errors.Is(err, seal.ErrNotSealed) {
		return func(bool) {}, nil
	}
	if err != nil {
		return nil, err
	}
	// Where file names ignore case, the old and the new copy are one file.
	caseOnly := nameKey(oldName) == nameKey(newName)
	if caseOnly {
		if err := m.sealed.Remove(oldName); err != nil {
			clear(b)
			return nil, err
		}
	}
	if err := m.sealed.Seal(newName, b); err != nil {
		if caseOnly {
			_ = m.sealed.Seal(oldName, b)
		}
		clear(b)
		return nil, err
	}
	return func(renamed bool) {
		defer clear(b)
		var err error
		switch {
		case renamed && !caseOnly:
			err = m.sealed.Remove(oldName)
		case !renamed:
			err = m.sealed.Remove(newName)
			if err == nil && caseOnly {
				err = m.sealed.Seal(oldName, b)
			}
		}
		if err != nil {
			m.log.Error("sealed keys left behind by a rename", "tunnel", newName, "old_name", oldName, "error", err.Error())
		}
	}, nil
}

// startSealed brings one boot tunnel up with its sealed keys.
func (m *manager) startSealed(name string) {
	secrets, err := m.openSealed(name)
	if err != nil {
		m.mu.Lock()
		defer m.mu.Unlock()
		if t, ok := m.tunnels[nameKey(name)]; ok && t.state != api.StateUp {
			t.state, t.reason = api.StateFailed, err.Error()
			m.publish(t)
		}
		m.log.Error("tunnel does not start at boot", "tunnel", name, "error", err.Error())
		return
	}
	m.log.Info("bringing up at boot", "tunnel", name)
	if _, err := m.up(bootCaller, name, secrets); err != nil {
		m.log.Error("tunnel does not start at boot", "tunnel", name, "error", err.Error())
	}
}

func (m *manager) openSealed(name string) (importer.Secrets, error) {
	if m.sealed == nil {
		return importer.Secrets{}, fmt.Errorf("it is set to start at boot, but %v", m.sealErr)
	}
	b, err := m.sealed.Open(name)
	if errors.Is(err, seal.ErrNotSealed) {
		return importer.Secrets{}, errors.New("it is set to start at boot, but the service holds no sealed keys for it; set start=boot again from its owner's account")
	}
	if err != nil {
		return importer.Secrets{}, fmt.Errorf("%w; set start=boot again from its owner's account", err)
	}
	defer clear(b)
	return decodeSealed(b)
}
