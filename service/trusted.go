package service

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/platform/netid"
	"github.com/wgtray/wgtray/service/api"
)

// trustedRecord is one trusted network on disk.
type trustedRecord struct {
	ID      string        `json:"id"`
	Name    string        `json:"name"`
	Network netid.Network `json:"network"`
	ByUID   string        `json:"added_by_uid"`
	ByName  string        `json:"added_by_name,omitempty"`
	AddedAt time.Time     `json:"added_at"`
}

// maxTrusted bounds the list: enough for every network one machine visits,
// too few to make matching or the file costly.
const maxTrusted = 256

// maxNetworkName is the longest label of a trusted network, in bytes.
const maxNetworkName = 64

// trusted holds the machine's trusted networks and the network the laptop
// is on now. The list belongs to the machine, not to a user: admins and
// operators add entries; an operator removes only their own.
type trusted struct {
	store  *store
	events *broker
	// identify reads the current network afresh: netid.Current, or in a
	// test a stand-in.
	identify func() (netid.Identity, error)

	// setMu serializes changes of the list, whose file is written
	// outside mu.
	setMu sync.Mutex

	mu      sync.Mutex
	list    []trustedRecord
	current netid.Identity
}

func newTrusted(st *store, events *broker, list []trustedRecord) *trusted {
	return &trusted{store: st, events: events, identify: netid.Current, list: list}
}

// matchLocked is the trusted network id is, if any. Must hold tr.mu.
func (tr *trusted) matchLocked(id netid.Identity) (trustedRecord, bool) {
	for _, r := range tr.list {
		if r.Network.Matches(id) {
			return r, true
		}
	}
	return trustedRecord{}, false
}

// now is the current network and the trusted entry it matches, if any.
func (tr *trusted) now() (netid.Identity, trustedRecord, bool) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	r, ok := tr.matchLocked(tr.current)
	return tr.current, r, ok
}

// setCurrent records where the laptop is now and reports whether that
// changed.
func (tr *trusted) setCurrent(id netid.Identity) bool {
	tr.mu.Lock()
	changed := tr.current != id
	tr.current = id
	tr.mu.Unlock()
	if changed {
		tr.publish()
	}
	return changed
}

// currentView is the current network as the API shows it. Must hold tr.mu.
func (tr *trusted) currentViewLocked() api.CurrentNetwork {
	id := tr.current
	c := api.CurrentNetwork{Text: id.String(), Known: id.Known(), Interface: id.Interface, Gateway: id.Gateway,
		GatewayMAC: id.GatewayMAC, Router6: id.Router6, SSID: id.SSID}
	if r, ok := tr.matchLocked(id); ok {
		c.Trusted, c.TrustedID, c.TrustedName = true, r.ID, r.Name
	}
	return c
}

// currentView is the current network as the API shows it.
func (tr *trusted) currentView() api.CurrentNetwork {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return tr.currentViewLocked()
}

// view is the current network and the list as caller sees it.
func (tr *trusted) view(caller ipc.Peer) api.Networks {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	n := api.Networks{Current: tr.currentViewLocked(), Trusted: make([]api.TrustedNetwork, 0, len(tr.list))}
	for _, r := range tr.list {
		n.Trusted = append(n.Trusted, r.view(caller, r.Network.Matches(tr.current)))
	}
	return n
}

// networksFor cuts the full view an event carries down to caller's:
// which entries they may remove.
func networksFor(caller ipc.Peer, n api.Networks) api.Networks {
	n.Trusted = slices.Clone(n.Trusted)
	for i := range n.Trusted {
		n.Trusted[i].Removable = mayRemoveTrusted(caller, n.Trusted[i].AddedBy.UID)
	}
	return n
}

func mayRemoveTrusted(caller ipc.Peer, addedBy string) bool {
	return caller.Admin || (caller.UID != "" && caller.UID == addedBy)
}

func (r trustedRecord) view(caller ipc.Peer, current bool) api.TrustedNetwork {
	v := api.TrustedNetwork{ID: r.ID, Name: r.Name, GatewayMAC: r.Network.GatewayMAC, Router6: r.Network.Router6, SSID: r.Network.SSID,
		Identifies: identifies(r.Network), AddedBy: api.Owner{UID: r.ByUID, Name: r.ByName}, AddedAt: r.AddedAt,
		Current: current, Removable: mayRemoveTrusted(caller, r.ByUID)}
	if r.Network.SSIDOnly() {
		v.Warning = api.SSIDOnlyWarning
	}
	return v
}

// identifies says in words what identifies n.
func identifies(n netid.Network) string {
	var parts []string
	if n.GatewayMAC != "" {
		parts = append(parts, "gateway "+n.GatewayMAC)
	}
	if n.Router6.IsValid() {
		parts = append(parts, "IPv6 router "+n.Router6.String())
	}
	if n.SSID != "" {
		parts = append(parts, fmt.Sprintf("Wi-Fi %q", n.SSID))
	}
	return strings.Join(parts, ", ")
}

// publish sends the current network and the list to the event stream.
func (tr *trusted) publish() {
	v := tr.view(ipc.Peer{Admin: true})
	tr.events.publish(api.Event{Type: api.EventNetwork, Time: time.Now(), Networks: &v})
}

// add trusts a network, as req says, for caller (an admin or operator).
func (tr *trusted) add(caller ipc.Peer, req api.TrustRequest) (api.TrustedNetwork, error) {
	n, err := tr.networkOf(req)
	if err != nil {
		return api.TrustedNetwork{}, err
	}
	name := strings.TrimSpace(req.Name)
	if name == "" {
		name = n.SSID
		if name == "" {
			name = n.GatewayMAC
		}
	}
	if err := validNetworkName(name); err != nil {
		return api.TrustedNetwork{}, errorf(http.StatusBadRequest, api.CodeBadRequest, "%v", err)
	}
	tr.setMu.Lock()
	defer tr.setMu.Unlock()
	tr.mu.Lock()
	for _, r := range tr.list {
		if r.Network == n {
			tr.mu.Unlock()
			return api.TrustedNetwork{}, errorf(http.StatusConflict, api.CodeExists, "%s is trusted already, as %q", identifies(n), r.Name)
		}
		if strings.EqualFold(r.Name, name) {
			tr.mu.Unlock()
			return api.TrustedNetwork{}, errorf(http.StatusConflict, api.CodeExists, "a trusted network named %q exists already", r.Name)
		}
	}
	if len(tr.list) >= maxTrusted {
		tr.mu.Unlock()
		return api.TrustedNetwork{}, errorf(http.StatusConflict, api.CodeQuota, "the machine trusts %d networks, the most it may; remove some first", len(tr.list))
	}
	r := trustedRecord{ID: newTrustedID(), Name: name, Network: n, ByUID: caller.UID, ByName: caller.Name, AddedAt: time.Now().UTC().Truncate(time.Second)}
	list := append(slices.Clone(tr.list), r)
	tr.mu.Unlock()
	if err := tr.store.saveTrusted(list); err != nil {
		return api.TrustedNetwork{}, fmt.Errorf("store the trusted networks: %w", err)
	}
	tr.mu.Lock()
	tr.list = list
	v := r.view(caller, n.Matches(tr.current))
	tr.mu.Unlock()
	tr.publish()
	return v, nil
}

// networkOf is the network a request names: the current one, or the
// gateway's MAC and SSID given.
func (tr *trusted) networkOf(req api.TrustRequest) (netid.Network, error) {
	if req.Current {
		if req.GatewayMAC != "" || req.SSID != "" {
			return netid.Network{}, errorf(http.StatusBadRequest, api.CodeBadRequest, "trust either the current network or a gateway and SSID, not both")
		}
		id, err := tr.identify()
		if err != nil || !id.Known() {
			why := "its gateway's MAC address is not known"
			if err != nil {
				why = err.Error()
			} else if !id.Gateway.IsValid() {
				why = "there is no default route"
			}
			return netid.Network{}, errorf(http.StatusConflict, api.CodeUnknownNetwork,
				"the service cannot tell which network this is (%s); wait until the network is up and try again, or trust it by its gateway with gateway:MAC", why)
		}
		tr.setCurrent(id)
		return netid.Of(id), nil
	}
	var n netid.Network
	if req.GatewayMAC != "" {
		mac, err := netid.ParseMAC(req.GatewayMAC)
		if err != nil {
			return n, errorf(http.StatusBadRequest, api.CodeBadRequest, "%v", err)
		}
		n.GatewayMAC = mac
	}
	if req.SSID != "" {
		if err := validSSID(req.SSID); err != nil {
			return n, errorf(http.StatusBadRequest, api.CodeBadRequest, "%v", err)
		}
		n.SSID = req.SSID
	}
	if !n.Valid() {
		return n, errorf(http.StatusBadRequest, api.CodeBadRequest, "say which network to trust: the current one, a gateway's MAC address or an SSID")
	}
	return n, nil
}

// remove stops trusting the network id (or named id). An operator may
// remove only what they added.
func (tr *trusted) remove(caller ipc.Peer, id string) error {
	tr.setMu.Lock()
	defer tr.setMu.Unlock()
	tr.mu.Lock()
	i := slices.IndexFunc(tr.list, func(r trustedRecord) bool { return r.ID == id })
	if i < 0 {
		i = slices.IndexFunc(tr.list, func(r trustedRecord) bool { return strings.EqualFold(r.Name, id) })
	}
	if i < 0 {
		tr.mu.Unlock()
		return errorf(http.StatusNotFound, api.CodeNotFound, "no trusted network is %q", id)
	}
	r := tr.list[i]
	if !mayRemoveTrusted(caller, r.ByUID) {
		tr.mu.Unlock()
		who := r.ByName
		if who == "" {
			who = "uid " + r.ByUID
		}
		return errorf(http.StatusForbidden, api.CodeForbidden, "%s added the trusted network %q: only they or an administrator may remove it", who, r.Name)
	}
	list := slices.Delete(slices.Clone(tr.list), i, i+1)
	tr.mu.Unlock()
	if err := tr.store.saveTrusted(list); err != nil {
		return fmt.Errorf("store the trusted networks: %w", err)
	}
	tr.mu.Lock()
	tr.list = list
	tr.mu.Unlock()
	tr.publish()
	return nil
}

func newTrustedID() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validSSID accepts what a Wi-Fi network can be named: 1 to 32 bytes.
func validSSID(s string) error {
	if len(s) == 0 || len(s) > 32 {
		return fmt.Errorf("an SSID is 1 to 32 bytes, not %d", len(s))
	}
	return nil
}

// validNetworkName accepts a label of printable characters.
func validNetworkName(s string) error {
	if s == "" || len(s) > maxNetworkName || !utf8.ValidString(s) {
		return fmt.Errorf("a trusted network's name is 1 to %d bytes of UTF-8", maxNetworkName)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("a trusted network's name has no control characters: %q", s)
		}
	}
	return nil
}

func (s *store) trustedPath() string { return filepath.Join(s.dir, "trusted.json") }

// trustedFile is trusted.json.
type trustedFile struct {
	Networks []trustedRecord `json:"networks"`
}

// loadTrusted reads the trusted networks; none when there is no file.
// Entries that do not name a network are errors: a damaged file trusts
// nothing (the caller logs it), which favours the VPN.
func (s *store) loadTrusted() ([]trustedRecord, error) {
	b, err := os.ReadFile(s.trustedPath())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var f trustedFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("%s is not valid JSON: %w", s.trustedPath(), err)
	}
	for _, r := range f.Networks {
		n := r.Network
		if !n.Valid() || r.ID == "" {
			return nil, fmt.Errorf("%s: entry %q names no network", s.trustedPath(), r.Name)
		}
		if n.GatewayMAC != "" {
			if mac, err := netid.ParseMAC(n.GatewayMAC); err != nil || mac != n.GatewayMAC {
				return nil, fmt.Errorf("%s: entry %q: bad gateway MAC %q", s.trustedPath(), r.Name, n.GatewayMAC)
			}
		}
		if n.Router6.IsValid() && !n.Router6.Is6() {
			return nil, fmt.Errorf("%s: entry %q: %s is not an IPv6 router", s.trustedPath(), r.Name, n.Router6)
		}
	}
	return f.Networks, nil
}

func (s *store) saveTrusted(list []trustedRecord) error {
	b, err := json.MarshalIndent(trustedFile{Networks: nonNil(list)}, "", "  ")
	if err != nil {
		return err
	}
	return s.write(s.trustedPath(), b, 0o600)
}
