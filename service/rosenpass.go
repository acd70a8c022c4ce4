package service

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/internal/atomicfile"
	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/tunnel"
)

// rosenpassRecord is a tunnel's Rosenpass settings in its record. Public
// keys (half a megabyte each) live in the state directory's rosenpass/,
// named by their SHA-256, so that a rename moves nothing; the secret key
// never reaches the service's disk: its owner's client sends it with up.
type rosenpassRecord struct {
	Key   string          `json:"key,omitempty"` // the tunnel's own public key
	Peers []rosenpassPeer `json:"peers,omitempty"`
}

// rosenpassPeer is a peer with Rosenpass on.
type rosenpassPeer struct {
	Peer     string `json:"peer"` // WireGuard public key, base64
	Key      string `json:"key"`  // its Rosenpass public key
	Endpoint string `json:"endpoint,omitempty"`
}

func (s *store) rosenpassPath(key string) string {
	return filepath.Join(s.dir, "rosenpass", key+".pqpk")
}

// savePublicKey stores a Rosenpass public key and returns its name.
func (s *store) savePublicKey(b []byte) (string, error) {
	sum := sha256.Sum256(b)
	key := hex.EncodeToString(sum[:])
	path := s.rosenpassPath(key)
	if _, err := os.Stat(path); err == nil {
		return key, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", fmt.Errorf("store a Rosenpass public key: %w", err)
	}
	if err := atomicfile.Write(path, b, 0o600); err != nil {
		return "", fmt.Errorf("store a Rosenpass public key: %w", err)
	}
	return key, nil
}

func (s *store) loadPublicKey(key string) ([]byte, error) {
	b, err := os.ReadFile(s.rosenpassPath(key))
	if err != nil {
		return nil, fmt.Errorf("read a Rosenpass public key: %w; turn Rosenpass on for the peer again", err)
	}
	return b, nil
}

// removeUnusedKeys deletes the public keys no record names.
func (s *store) removeUnusedKeys(recs []record) error {
	used := map[string]bool{}
	for _, r := range recs {
		if rp := r.Rosenpass; rp != nil {
			used[rp.Key] = true
			for _, p := range rp.Peers {
				used[p.Key] = true
			}
		}
	}
	entries, err := os.ReadDir(filepath.Join(s.dir, "rosenpass"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, e := range entries {
		if key, ok := strings.CutSuffix(e.Name(), ".pqpk"); ok && !used[key] {
			errs = append(errs, os.Remove(filepath.Join(s.dir, "rosenpass", e.Name())))
		}
	}
	return errors.Join(errs...)
}

// setRosenpass turns Rosenpass on or off for a peer of a tunnel, or stores
// the tunnel's new public key. Only its owner or an admin may. It takes
// effect at the next up.
func (m *manager) setRosenpass(caller ipc.Peer, name string, req api.RosenpassRequest) (api.Tunnel, error) {
	bad := func(format string, a ...any) (api.Tunnel, error) {
		return api.Tunnel{}, errorf(http.StatusBadRequest, api.CodeBadRequest, format, a...)
	}
	if req.PublicKey != nil && len(req.PublicKey) != tunnel.RosenpassPublicKeySize {
		return bad("the tunnel's Rosenpass public key is %d bytes, not %d", len(req.PublicKey), tunnel.RosenpassPublicKeySize)
	}
	var peer importer.Key
	if req.Peer != "" {
		var err error
		if peer, err = importer.ParseKey(req.Peer); err != nil {
			return bad("peer %q is not a WireGuard public key: %v", req.Peer, err)
		}
		if !req.Off && len(req.PeerPublicKey) != tunnel.RosenpassPublicKeySize {
			return bad("the peer's Rosenpass public key is %d bytes, not %d; ask the server's admin for its pqpk file", len(req.PeerPublicKey), tunnel.RosenpassPublicKeySize)
		}
		if req.Endpoint != "" {
			if _, err := importer.ParseEndpoint(req.Endpoint); err != nil {
				return bad("Rosenpass endpoint: %v", err)
			}
		}
	}
	t, err := m.lookup(caller, name)
	if err != nil {
		return api.Tunnel{}, err
	}
	name = t.rec.Name
	if err := m.lockCurrent(name, t); err != nil {
		return api.Tunnel{}, err
	}
	defer t.op.Unlock()
	m.mu.Lock()
	r, cfg := t.rec, t.cfg
	m.mu.Unlock()
	if req.Peer != "" && !slices.ContainsFunc(cfg.Peers, func(p importer.Peer) bool { return p.PublicKey == peer }) {
		return api.Tunnel{}, errorf(http.StatusNotFound, api.CodeNotFound, "%s has no peer %s", name, req.Peer)
	}
	if req.Peer != "" && !req.Off && r.Start == api.StartBoot {
		return api.Tunnel{}, errRosenpassBoot(name)
	}
	rp := rosenpassRecord{}
	if r.Rosenpass != nil {
		rp = *r.Rosenpass
		rp.Peers = slices.Clone(rp.Peers)
	}
	if req.PublicKey != nil {
		if rp.Key, err = m.store.savePublicKey(req.PublicKey); err != nil {
			return api.Tunnel{}, err
		}
	}
	if req.Peer != "" {
		rp.Peers = slices.DeleteFunc(rp.Peers, func(p rosenpassPeer) bool { return p.Peer == peer.String() })
		if !req.Off {
			if rp.Key == "" {
				return bad("%s has no Rosenpass key pair yet; send its public key with the peer's", name)
			}
			key, err := m.store.savePublicKey(req.PeerPublicKey)
			if err != nil {
				return api.Tunnel{}, err
			}
			rp.Peers = append(rp.Peers, rosenpassPeer{Peer: peer.String(), Key: key, Endpoint: req.Endpoint})
		}
	}
	r.Rosenpass = &rp
	if err := m.store.saveTunnel(r); err != nil {
		return api.Tunnel{}, fmt.Errorf("store tunnel %s: %w", name, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	t.rec = r
	switch {
	case req.Peer != "" && req.Off:
		m.log.Info("Rosenpass off", "tunnel", name, "peer", req.Peer, "by", caller.UID)
	case req.Peer != "":
		m.log.Info("Rosenpass on", "tunnel", name, "peer", req.Peer, "endpoint", req.Endpoint, "by", caller.UID)
	}
	m.publish(t)
	return t.view(caller), nil
}

// rosenpassKey is the tunnel's Rosenpass public key, nil before it has one.
func (m *manager) rosenpassKey(caller ipc.Peer, name string) ([]byte, error) {
	t, err := m.lookup(caller, name)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	rp := t.rec.Rosenpass
	m.mu.Unlock()
	if rp == nil || rp.Key == "" {
		return nil, nil
	}
	return m.store.loadPublicKey(rp.Key)
}

// errRosenpassBoot refuses Rosenpass together with start=boot: the
// Rosenpass secret key lives only in its owner's key store and is not sealed
// for the machine like the WireGuard keys, so a start at boot could not run it.
func errRosenpassBoot(name string) error {
	return errorf(http.StatusConflict, api.CodeConflict,
		"%s cannot both start at boot and use Rosenpass: its Rosenpass secret key is not sealed for the machine; turn Rosenpass off for its peers or let it start at login", name)
}

// rosenpassConfig is what the tunnel needs to run Rosenpass with the
// secret key sent for up; nil when Rosenpass is off for every peer.
func (m *manager) rosenpassConfig(name string, rp *rosenpassRecord, secret []byte) (*tunnel.RosenpassConfig, error) {
	if rp == nil || len(rp.Peers) == 0 {
		return nil, nil
	}
	if len(secret) != tunnel.RosenpassSecretKeySize {
		return nil, errorf(http.StatusBadRequest, api.CodeBadRequest,
			"Rosenpass is on for %s but no Rosenpass secret key came with up; bring it up with wgtrayd or the app as the user who turned Rosenpass on", name)
	}
	pub, err := m.store.loadPublicKey(rp.Key)
	if err != nil {
		return nil, err
	}
	rc := &tunnel.RosenpassConfig{PublicKey: pub, SecretKey: slices.Clone(secret)}
	for _, p := range rp.Peers {
		peer, err := importer.ParseKey(p.Peer)
		if err != nil {
			return nil, fmt.Errorf("the record of %s names a bad Rosenpass peer: %w", name, err)
		}
		pk, err := m.store.loadPublicKey(p.Key)
		if err != nil {
			return nil, err
		}
		var ep importer.Endpoint
		if p.Endpoint != "" {
			if ep, err = importer.ParseEndpoint(p.Endpoint); err != nil {
				return nil, fmt.Errorf("the Rosenpass endpoint of %s: %w", name, err)
			}
		}
		rc.Peers = append(rc.Peers, tunnel.RosenpassPeer{Peer: peer, PublicKey: pk, Endpoint: ep})
	}
	return rc, nil
}

// rosenpassView is the Rosenpass part of a peer's status: nil when off.
func rosenpassView(rp *rosenpassRecord, cfg *importer.Config, peer importer.Key, live []tunnel.RosenpassStats) *api.RosenpassStatus {
	if rp == nil {
		return nil
	}
	i := slices.IndexFunc(rp.Peers, func(p rosenpassPeer) bool { return p.Peer == peer.String() })
	if i < 0 {
		return nil
	}
	st := &api.RosenpassStatus{Endpoint: rp.Peers[i].Endpoint}
	if st.Endpoint == "" {
		for _, p := range cfg.Peers {
			if p.PublicKey == peer && !p.Endpoint.IsZero() {
				st.Endpoint = importer.Endpoint{Host: p.Endpoint.Host, Port: tunnel.RosenpassPort}.String()
			}
		}
	}
	for _, l := range live {
		if l.Peer == peer {
			st.State, st.Reason = string(l.State), l.Reason()
			if !l.LastExchange.IsZero() {
				at := l.LastExchange.UTC()
				st.LastExchange = &at
			}
		}
	}
	return st
}
