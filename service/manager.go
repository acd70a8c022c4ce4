package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"runtime/debug"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/platform/firewall"
	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/platform/netid"
	"github.com/wgtray/wgtray/platform/seal"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/tunnel"
)

// engine starts tunnels: the tunnel package, behind the small interface the
// manager needs.
type engine interface {
	// Start brings a tunnel up; it calls beforeTraffic (interface, socket
	// mark, resolved endpoints) before the tunnel's first packet.
	// rc, when set, runs Rosenpass for some peers.
	// onHealth is told each change of the running tunnel's health.
	Start(ctx context.Context, name string, cfg *importer.Config, rc *tunnel.RosenpassConfig, beforeTraffic func(string, uint32, []netip.AddrPort), onHealth func(tunnel.Health)) (running, error)
}

// running is one tunnel that is up.
type running interface {
	Close() error
	Interface() string
	FwMark() uint32
	DefaultRoute() bool
	Stats() (liveStats, error)
	// SetPeers changes the peers in place to those of cfg (see
	// tunnel.Tunnel.SetPeers).
	SetPeers(ctx context.Context, cfg *importer.Config, beforeTraffic func([]netip.AddrPort)) error
}

// liveStats is what a running tunnel reports.
type liveStats struct {
	PublicKey  importer.Key
	ListenPort uint16
	Peers      []livePeer
	Rosenpass  []tunnel.RosenpassStats
}

type livePeer struct {
	PublicKey       importer.Key
	Endpoint        netip.AddrPort
	LatestHandshake time.Time
	RxBytes         uint64
	TxBytes         uint64
}

// startTimeout bounds bringing one tunnel up (resolving endpoints included).
const startTimeout = 45 * time.Second

// What one user may store: enough for a provider's bundle of every server
// (hundreds of tunnels), too little to fill the disk the state directory is
// on. The service runs as root, its callers do not.
const (
	maxTunnelsPerOwner     = 2048
	maxConfigBytesPerOwner = 64 << 20
)

// waitingForKeys is the reason of a tunnel that should be up after a
// restart of the service.
const waitingForKeys = "waiting for keys: the service restarted; the tunnel comes back when its owner's app or `wgtrayd up` sends the keys again"

// manager holds every tunnel and its state machine:
//
//	down → starting → up → stopping → down
//	starting → failed; failed → starting (up again) or down
//
// Transitions of one tunnel are serialized by its op lock, which is also
// held for the tunnel's store writes; the manager's mu guards the map and
// the fields that readers see, and is held only for memory: never across
// disk, device or firewall I/O, so list and status answer while those run.
// The kill switch applies the firewall policy on its own goroutine from the
// snapshots handed to it under mu.
type manager struct {
	log    *slog.Logger
	ring   *ringLog
	store  *store
	engine engine
	events *broker
	ks     *killSwitch
	// sealed keeps the keys of tunnels that start at boot; nil, with
	// sealErr saying why, where the machine has no secret store.
	sealed  seal.Store
	sealErr error
	// trusted is the machine's trusted networks and where the laptop is.
	trusted *trusted
	// ruleMu serializes runs of the networks rule.
	ruleMu sync.Mutex

	mu      sync.Mutex
	tunnels map[string]*managed
	// closing is set by shutdown: tunnels go down but stay meant to be up,
	// and the kill-switch rules stay as they are (fail closed).
	closing bool
}

type managed struct {
	op opLock // held for a whole transition and the store writes

	// guarded by manager.mu; rec is written only by the holder of op.
	rec record
	// creating hides a new tunnel until its record is stored; its name is
	// taken meanwhile.
	creating bool
	// reservation, for a hidden placeholder that holds a name for an
	// import (api.CreateRequest.Reserve), is its ID; the name is free
	// again after reservedUntil.
	reservation   string
	reservedUntil time.Time

	cfg       *importer.Config // redacted
	state     api.State
	reason    string
	needsKeys bool
	// health is what the running tunnel last said about the network
	// under it.
	health api.Health
	run    running
	full   *importer.Config // with secrets, only while starting or up
	// rosenpassSecret is the tunnel's Rosenpass secret key while full is
	// set, nil without Rosenpass.
	rosenpassSecret []byte
	// upCfg and upPub are the redacted config and public key the tunnel
	// started with (an edit takes effect at the next up), while full is set.
	upCfg *importer.Config
	upPub string
	// starting is what the kill switch must let through for a tunnel
	// coming up, once its endpoints are resolved and its socket marked.
	starting *firewall.FirewallTunnel
	// endpoints are where the tunnel sends while it is up: resolved at
	// start, then as the device reports them (roamed, resolved again).
	endpoints []netip.AddrPort
	// paused says why a tunnel set to networks=untrusted and meant to be
	// up is held down: the laptop is on a trusted network. A paused tunnel
	// keeps its keys in full (wiped on down and remove) to come up again
	// when the laptop leaves the network.
	paused string
	// manualOn is the trusted network on which the user brought the
	// tunnel up by hand: it stays up there until the network changes.
	manualOn *netid.Identity
	// cancelStart aborts a start in progress, so that down does not wait
	// for endpoints that do not resolve.
	cancelStart context.CancelFunc
	// logFrom is the sequence number of the first log entry that can be
	// about this tunnel: older entries with its name are about a removed
	// tunnel of the same name, perhaps another user's.
	logFrom uint64
}

func newManager(log *slog.Logger, ring *ringLog, st *store, eng engine, events *broker, ks *killSwitch) *manager {
	return &manager{log: log, ring: ring, store: st, engine: eng, events: events, ks: ks, tunnels: make(map[string]*managed),
		trusted: newTrusted(st, events, nil)}
}

// load reads the tunnels from the store. Tunnels that were meant to be up
// wait for their keys; damaged files are logged and skipped.
func (m *manager) load() error {
	recs, bad, err := m.store.loadTunnels()
	if err != nil {
		return err
	}
	for path, err := range bad {
		m.log.Error("skipping a damaged tunnel file; fix or remove it", "file", path, "error", err.Error())
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range recs {
		cfg, err := importer.ParseRedacted(r.Name+".conf", []byte(r.Config))
		if err != nil {
			m.log.Error("skipping a tunnel whose config does not parse", "tunnel", r.Name, "error", err.Error())
			continue
		}
		if other, ok := m.tunnels[nameKey(r.Name)]; ok {
			m.log.Error("skipping a tunnel whose name differs from another's only in case; remove one of them", "tunnel", r.Name, "other", other.rec.Name)
			continue
		}
		t := &managed{rec: r, cfg: cfg, state: api.StateDown}
		if r.WantUp {
			t.state, t.reason, t.needsKeys = api.StateFailed, waitingForKeys, true
		}
		m.tunnels[nameKey(r.Name)] = t
	}
	return nil
}

// view is the tunnel as caller may see it. Must hold m.mu.
func (t *managed) view(caller ipc.Peer) api.Tunnel {
	v := api.Tunnel{Name: t.rec.Name, State: t.state}
	if !mayAct(caller, t.rec) {
		return v
	}
	v.Error = t.reason
	v.NeedsKeys = t.needsKeys
	v.Health = t.health
	v.Mine = caller.UID == t.rec.OwnerUID
	v.Owner = &api.Owner{UID: t.rec.OwnerUID, Name: t.rec.OwnerName}
	v.PublicKey = t.rec.PublicKey
	v.Config = t.rec.Config
	v.Start, v.SealedBy = t.rec.startMode(), t.rec.SealedBy
	v.Networks, v.Paused = t.rec.networksMode(), t.paused
	return v
}

// viewFor cuts a full view (as the event stream carries it) down to what
// caller may see.
func viewFor(caller ipc.Peer, t api.Tunnel) api.Tunnel {
	if t.Owner == nil || !(caller.Admin || caller.UID == t.Owner.UID) {
		return api.Tunnel{Name: t.Name, State: t.State}
	}
	t.Mine = caller.UID == t.Owner.UID
	return t
}

// logVisible tells which log entries caller may read: every one for an
// admin; for an operator those of the service as a whole and of their own
// tunnels, since the others' name endpoints and keys. An entry about a
// removed tunnel stays hidden from the next owner of the name.
func (m *manager) logVisible(caller ipc.Peer) func(api.LogEntry) bool {
	if caller.Admin {
		return func(api.LogEntry) bool { return true }
	}
	return func(e api.LogEntry) bool {
		name, ok := e.Attrs["tunnel"]
		if !ok {
			return true
		}
		m.mu.Lock()
		defer m.mu.Unlock()
		t, ok := m.tunnels[nameKey(name)]
		return ok && !t.creating && t.rec.OwnerUID == caller.UID && e.Seq >= t.logFrom
	}
}

// activeCfg is the configuration the tunnel runs with while it is starting
// or up (an edit takes effect at the next up), else the stored one.
func (t *managed) activeCfg() *importer.Config {
	if t.full != nil {
		return t.full
	}
	return t.cfg
}

// mayAct reports whether caller owns the tunnel or is an admin.
func mayAct(caller ipc.Peer, r record) bool {
	return caller.Admin || caller.UID == r.OwnerUID
}

// publish sends the tunnel's new state to the event stream. Must hold m.mu.
func (m *manager) publish(t *managed) {
	v := t.view(ipc.Peer{Admin: true})
	v.Mine = false
	m.events.publish(api.Event{Type: api.EventTunnel, Time: time.Now(), Tunnel: &v})
}

func (m *manager) list(caller ipc.Peer) []api.Tunnel {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]api.Tunnel, 0, len(m.tunnels))
	for _, t := range m.tunnels {
		if !t.creating {
			out = append(out, t.view(caller))
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (m *manager) get(caller ipc.Peer, name string) (api.Tunnel, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tunnels[nameKey(name)]
	if !ok || t.creating {
		return api.Tunnel{}, notFound(name)
	}
	return t.view(caller), nil
}

// parseConfig reads a config sent by a client and drops any secrets in it:
// the service stores only the redacted form.
func parseConfig(name, text, publicKey string) (*importer.Config, importer.Key, error) {
	pub, err := importer.ParseKey(publicKey)
	if err != nil {
		return nil, pub, errorf(http.StatusBadRequest, api.CodeInvalidConfig, "public_key: %v", err)
	}
	cfg, err := importer.ParseRedacted(name+".conf", []byte(text))
	if err != nil {
		return nil, pub, errorf(http.StatusBadRequest, api.CodeInvalidConfig, "%v", err)
	}
	if !cfg.Interface.PrivateKey.IsZero() && cfg.Interface.PrivateKey.Public() != pub {
		return nil, pub, errorf(http.StatusBadRequest, api.CodeKeyMismatch, "public_key is not the public key of the config's PrivateKey")
	}
	redactedCfg, secrets := cfg.Redact()
	wipeSecrets(&secrets)
	wipeConfig(cfg)
	return redactedCfg, pub, nil
}

func (m *manager) create(caller ipc.Peer, req api.CreateRequest) (api.Tunnel, error) {
	if err := importer.ValidateName(req.Name); err != nil {
		return api.Tunnel{}, errorf(http.StatusBadRequest, api.CodeBadRequest, "%v", err)
	}
	if req.Reserve && len(req.Reservation) < 16 {
		return api.Tunnel{}, errorf(http.StatusBadRequest, api.CodeBadRequest, "reserve needs a reservation ID of at least 16 random characters")
	}
	cfg, pub, err := parseConfig(req.Name, req.Config, req.PublicKey)
	if err != nil {
		return api.Tunnel{}, err
	}
	r := record{Name: req.Name, OwnerUID: caller.UID, OwnerName: caller.Name, PublicKey: pub.String(), Config: cfg.String()}
	t := &managed{rec: r, cfg: cfg, state: api.StateDown, creating: true}
	t.op.Lock()
	defer t.op.Unlock()
	key := nameKey(req.Name)
	m.mu.Lock()
	m.dropReservationsLocked(caller, req.Reservation)
	if req.Unique {
		r.Name = m.freeNameLocked(req.Name)
		t.rec.Name, key = r.Name, nameKey(r.Name)
	}
	if other, ok := m.tunnels[key]; ok {
		err := nameTaken(other, r.Name)
		m.mu.Unlock()
		return api.Tunnel{}, err
	}
	if err := m.quotaLocked(caller.UID, len(r.Config), ""); err != nil {
		m.mu.Unlock()
		return api.Tunnel{}, err
	}
	if req.Reserve {
		m.tunnels[key] = &managed{rec: record{Name: r.Name, OwnerUID: caller.UID}, state: api.StateDown, creating: true,
			reservation: req.Reservation, reservedUntil: time.Now().Add(reserveTime)}
		m.mu.Unlock()
		return t.view(caller), nil
	}
	m.tunnels[key] = t
	m.mu.Unlock()

	err = m.store.saveTunnel(r)

	m.mu.Lock()
	defer m.mu.Unlock()
	if err != nil {
		delete(m.tunnels, key)
		return api.Tunnel{}, fmt.Errorf("store tunnel %s: %w", r.Name, err)
	}
	t.creating, t.logFrom = false, m.ring.nextSeq()
	m.log.Info("tunnel imported", "tunnel", r.Name, "owner", caller.UID)
	m.publish(t)
	return t.view(caller), nil
}

// nameTaken refuses the name of other: a tunnel, or the hidden placeholder
// of one being imported or renamed, which the list does not show yet. Must
// hold m.mu.
func nameTaken(other *managed, name string) error {
	if other.creating {
		return errorf(http.StatusConflict, api.CodeExists, "a tunnel named %q is being created", name)
	}
	return errorf(http.StatusConflict, api.CodeExists, "a tunnel named %q exists already", name)
}

// reserveTime is how long a name reserved for an import stays held: the
// client stores the keys meanwhile, which may wait for the user to unlock
// the keyring.
const reserveTime = 2 * time.Minute

// dropReservationsLocked frees the names whose reservation ran out, and
// those held for the caller's reservation: a create with it takes its name
// (or, reserving again, picks one anew). Must hold m.mu.
func (m *manager) dropReservationsLocked(caller ipc.Peer, reservation string) {
	now := time.Now()
	for key, t := range m.tunnels {
		if t.reservation == "" {
			continue
		}
		if now.After(t.reservedUntil) || reservation != "" && t.reservation == reservation && t.rec.OwnerUID == caller.UID {
			delete(m.tunnels, key)
		}
	}
}

// freeNameLocked is the first of base, base-2, base-3... that no tunnel
// has; base itself when every such name is taken, which create refuses.
// Must hold m.mu.
func (m *manager) freeNameLocked(base string) string {
	for n := 1; n <= len(m.tunnels)+1; n++ {
		name := importer.NumberedName(base, n)
		if _, taken := m.tunnels[nameKey(name)]; !taken {
			return name
		}
	}
	return base
}

// rename gives a tunnel that is down another name. Only its owner may: the
// keys in the owner's keyring go by the name, and their client moves them.
// A running tunnel keeps its name, since its interface and its UAPI socket
// (`wg show NAME`) carry it.
func (m *manager) rename(caller ipc.Peer, name, newName string) (api.Tunnel, error) {
	if err := importer.ValidateName(newName); err != nil {
		return api.Tunnel{}, errorf(http.StatusBadRequest, api.CodeBadRequest, "%v", err)
	}
	t, err := m.lookup(caller, name)
	if err != nil {
		return api.Tunnel{}, err
	}
	name = t.rec.Name
	if caller.UID != t.rec.OwnerUID {
		return api.Tunnel{}, errorf(http.StatusForbidden, api.CodeForbidden,
			"only the owner of %s can rename it: its keys are in their keyring under its name", name)
	}
	if err := m.lockCurrent(name, t); err != nil {
		return api.Tunnel{}, err
	}
	defer t.op.Unlock()
	m.mu.Lock()
	if t.state != api.StateDown && (t.state != api.StateFailed || t.rec.WantUp) {
		m.mu.Unlock()
		return api.Tunnel{}, errorf(http.StatusConflict, api.CodeConflict,
			"%s is %s: bring it down first, then rename it; its interface keeps the name while it runs", name, t.state)
	}
	m.dropReservationsLocked(caller, "")
	if other, ok := m.tunnels[nameKey(newName)]; ok && other != t {
		err := nameTaken(other, newName)
		m.mu.Unlock()
		return api.Tunnel{}, err
	}
	if newName == name {
		defer m.mu.Unlock()
		return t.view(caller), nil
	}
	// The new name is taken from here on (by a hidden placeholder, as for
	// a tunnel being created); the old one is free again only once the
	// record moved on disk.
	caseOnly := nameKey(newName) == nameKey(name)
	if !caseOnly {
		m.tunnels[nameKey(newName)] = &managed{rec: record{Name: newName}, state: api.StateDown, creating: true}
	}
	r := t.rec
	r.Name = newName
	m.mu.Unlock()

	finish, err := m.moveSealed(r.Start == api.StartBoot, name, newName)
	if err == nil {
		err = m.store.renameTunnel(name, r)
		finish(err == nil)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if !caseOnly {
		delete(m.tunnels, nameKey(newName))
	}
	if err != nil {
		return api.Tunnel{}, fmt.Errorf("rename tunnel %s to %s: %w", name, newName, err)
	}
	delete(m.tunnels, nameKey(name))
	m.tunnels[nameKey(newName)] = t
	t.rec, t.logFrom = r, m.ring.nextSeq()
	m.log.Info("tunnel renamed", "tunnel", newName, "old_name", name)
	m.events.publish(api.Event{Type: api.EventRemoved, Time: time.Now(), Tunnel: &api.Tunnel{Name: name}})
	m.publish(t)
	return t.view(caller), nil
}

// quotaLocked refuses a config of size bytes, new or replacing the tunnel
// named replacing, that would take owner past maxTunnelsPerOwner or
// maxConfigBytesPerOwner. A replacement that does not grow always passes,
// so a user over the limits can still shrink a tunnel. Must hold m.mu.
func (m *manager) quotaLocked(owner string, size int, replacing string) error {
	n, total := 0, size
	for _, t := range m.tunnels {
		if t.rec.OwnerUID == owner && (replacing == "" || !strings.EqualFold(t.rec.Name, replacing)) {
			n++
			total += len(t.rec.Config)
		}
	}
	grows := true
	if t, ok := m.tunnels[nameKey(replacing)]; ok {
		grows = size > len(t.rec.Config)
	}
	switch {
	case replacing == "" && n >= maxTunnelsPerOwner:
		return errorf(http.StatusConflict, api.CodeQuota, "you have %d tunnels, the most one user may keep; remove some first", n)
	case grows && total > maxConfigBytesPerOwner:
		return errorf(http.StatusConflict, api.CodeQuota, "your tunnels' configs would take %d KiB, more than the %d KiB one user may keep; remove some first",
			(total+1023)>>10, maxConfigBytesPerOwner>>10)
	}
	return nil
}

// nameKey is the key of a tunnel name in manager.tunnels: names that differ
// only in case are one name, as they are one file on Windows and macOS.
func nameKey(name string) string { return strings.ToLower(name) }

// lookup finds a tunnel the caller may change, whatever the case of name;
// callers go on with the name as stored.
func (m *manager) lookup(caller ipc.Peer, name string) (*managed, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tunnels[nameKey(name)]
	if !ok || t.creating {
		return nil, notFound(name)
	}
	if !mayAct(caller, t.rec) {
		return nil, forbiddenTunnel(name)
	}
	return t, nil
}

// lockCurrent takes t.op and re-checks that t was not removed meanwhile;
// on error t.op is not held.
func (m *manager) lockCurrent(name string, t *managed) error {
	return m.lockCurrentWithin(context.Background(), name, t)
}

// lockCurrentWithin is lockCurrent that gives up waiting for another
// operation on t when ctx ends.
func (m *manager) lockCurrentWithin(ctx context.Context, name string, t *managed) error {
	if ctx.Err() != nil || !t.op.lockWithin(ctx) {
		return errorf(http.StatusConflict, api.CodeBusy, "%s is still busy with another operation; try again once it is done", name)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tunnels[nameKey(name)] != t {
		t.op.Unlock()
		return notFound(name)
	}
	return nil
}

// update replaces a tunnel's configuration. A running tunnel takes the
// edit at once (see applyLocked); keys, when not nil, are the new config's
// keys and are wiped here.
func (m *manager) update(caller ipc.Peer, name string, req api.UpdateRequest, keys *importer.Secrets) (api.UpdateResult, error) {
	if keys != nil {
		defer wipeSecrets(keys)
	}
	cfg, pub, err := parseConfig(name, req.Config, req.PublicKey)
	if err != nil {
		return api.UpdateResult{}, err
	}
	t, err := m.lookup(caller, name)
	if err != nil {
		return api.UpdateResult{}, err
	}
	name = t.rec.Name
	if err := m.lockCurrent(name, t); err != nil {
		return api.UpdateResult{}, err
	}
	defer t.op.Unlock()
	stale := false
	defer func() {
		if stale {
			if err := m.removeSealed(name); err != nil {
				m.log.Error("cannot remove sealed keys that no longer match", "tunnel", name, "error", err.Error())
			}
		}
	}()
	m.mu.Lock()
	r := t.rec
	// With another key pair the sealed keys are stale: the keys sent with
	// the edit are sealed instead, or boot says none are there.
	newKey := r.Start == api.StartBoot && r.PublicKey != pub.String()
	if newKey {
		r.SealedBy = ""
	}
	r.PublicKey, r.Config = pub.String(), cfg.String()
	err = m.quotaLocked(r.OwnerUID, len(r.Config), name)
	m.mu.Unlock()
	if err != nil {
		return api.UpdateResult{}, err
	}
	if r.Start == api.StartBoot && keys != nil && m.sealed != nil {
		// The new keys replace the sealed ones (a new preshared key too).
		if by, err := m.sealSecrets(name, cfg, r.PublicKey, *keys); err != nil {
			m.log.Warn("the edited tunnel's keys are not sealed; set start=boot again", "tunnel", name, "error", err.Error())
		} else {
			r.SealedBy, newKey = by, false
		}
	}
	if err := m.store.saveTunnel(r); err != nil {
		return api.UpdateResult{}, fmt.Errorf("store tunnel %s: %w", name, err)
	}
	m.mu.Lock()
	t.rec, t.cfg, stale = r, cfg, newKey
	m.log.Info("tunnel updated", "tunnel", name)
	return m.applyLocked(caller, t, keys)
}

func (m *manager) remove(caller ipc.Peer, name string) error {
	t, err := m.lookup(caller, name)
	if err != nil {
		return err
	}
	name = t.rec.Name
	if err := m.lockCurrent(name, t); err != nil {
		return err
	}
	defer t.op.Unlock()
	m.stop(t, false)
	if err := m.removeSealed(name); err != nil {
		return fmt.Errorf("remove tunnel %s: %w", name, err)
	}
	if err := m.store.removeTunnel(name); err != nil {
		return fmt.Errorf("remove tunnel %s: %w", name, err)
	}
	m.mu.Lock()
	delete(m.tunnels, nameKey(name))
	recs := make([]record, 0, len(m.tunnels))
	for _, o := range m.tunnels {
		recs = append(recs, o.rec)
	}
	m.log.Info("tunnel removed", "tunnel", name)
	m.events.publish(api.Event{Type: api.EventRemoved, Time: time.Now(), Tunnel: &api.Tunnel{Name: name}})
	gen := m.reconcileLocked()
	m.mu.Unlock()
	if err := m.store.removeUnusedKeys(recs); err != nil {
		m.log.Warn("cannot remove Rosenpass public keys no tunnel uses", "error", err.Error())
	}
	m.ks.waitFor(gen, applyWait)
	return nil
}

// up brings a tunnel up with the caller's keys. The keys are wiped here on
// every path; while the tunnel runs, the manager's copy lives in t.full.
func (m *manager) up(caller ipc.Peer, name string, secrets importer.Secrets) (api.Tunnel, error) {
	return m.upWithin(context.Background(), caller, name, secrets, caller != bootCaller)
}

// upWithin is up that waits for another operation on the tunnel only until
// queue ends; the start itself is bounded by startTimeout and the kill
// switch by applyWait, so an up answers within the sum.
//
// byHand says the user asked: on a trusted network a tunnel set to
// networks=untrusted then comes up all the same, and stays up until the
// network changes. An up the client or the service makes by itself
// (restore at login, boot) there only pauses the tunnel with its keys.
func (m *manager) upWithin(queue context.Context, caller ipc.Peer, name string, secrets importer.Secrets, byHand bool) (api.Tunnel, error) {
	defer wipeSecrets(&secrets)
	t, err := m.lookup(caller, name)
	if err != nil {
		return api.Tunnel{}, err
	}
	name = t.rec.Name
	if err := m.lockCurrentWithin(queue, name, t); err != nil {
		return api.Tunnel{}, err
	}
	defer t.op.Unlock()
	m.mu.Lock()
	if m.closing {
		// An up that waited behind shutdown's stop must not bring the
		// tunnel back as the process exits.
		m.mu.Unlock()
		return api.Tunnel{}, errorf(http.StatusServiceUnavailable, api.CodeConflict, "the service is stopping; bring %s up once it runs again", name)
	}
	if t.state == api.StateUp {
		defer m.mu.Unlock()
		return t.view(caller), nil
	}
	if secrets.PrivateKey.Public().String() != t.rec.PublicKey {
		m.mu.Unlock()
		return api.Tunnel{}, errorf(http.StatusBadRequest, api.CodeKeyMismatch,
			"the private key sent for %s does not belong to its public key %s; import the tunnel again to store the right keys", name, t.rec.PublicKey)
	}
	full, err := t.cfg.WithSecrets(secrets)
	if err != nil {
		m.mu.Unlock()
		return api.Tunnel{}, errorf(http.StatusBadRequest, api.CodeKeyMismatch, "keys for %s: %v", name, err)
	}
	if t.full != nil {
		// Paused with the keys of the last up: these replace them.
		m.forgetKeysLocked(t)
	}
	if id, entry, trusted := m.trusted.now(); trusted && t.rec.networksMode() == api.NetworksUntrusted {
		if !byHand {
			return m.holdPausedLocked(t, caller, full, secrets.RosenpassSecretKey, entry.Name), nil
		}
		t.manualOn = &id
	}
	t.paused = ""
	if err := m.overlapLocked(name, t.cfg); err != nil {
		m.mu.Unlock()
		wipeConfig(full)
		return api.Tunnel{}, err
	}
	return m.startLocked(caller, t, full, secrets.RosenpassSecretKey)
}

// startLocked brings t up with full, the config with its keys, and
// rosenpassSecret (nil without Rosenpass), and keeps them while it runs. Enter with t.op and m.mu held; it returns with m.mu
// released.
func (m *manager) startLocked(caller ipc.Peer, t *managed, full *importer.Config, rosenpassSecret []byte) (api.Tunnel, error) {
	name := t.rec.Name
	t.full, t.state, t.reason, t.needsKeys, t.health = full, api.StateStarting, "", false, api.Health{}
	t.upCfg, t.upPub = t.cfg, t.rec.PublicKey
	t.rosenpassSecret = slices.Clone(rosenpassSecret)
	m.holdKeysLocked(full)
	t.rec.WantUp = true
	rc, err := m.rosenpassConfig(name, t.rec.Rosenpass, rosenpassSecret)
	if err != nil {
		m.forgetKeysLocked(t)
		t.state, t.reason = api.StateFailed, err.Error()
		m.publish(t)
		m.mu.Unlock()
		return api.Tunnel{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	t.cancelStart = cancel
	m.publish(t)
	m.reconcileLocked()
	m.mu.Unlock()

	// Nothing on the way to the first handshake waits for the disk: the
	// record is saved once the start is over, under t.op all the same.
	run, err := m.engine.Start(ctx, name, full, rc, func(iface string, mark uint32, endpoints []netip.AddrPort) {
		// The tunnel's first packet waits until the kill switch lets it
		// through.
		m.mu.Lock()
		t.starting = &firewall.FirewallTunnel{Interface: iface, FwMark: mark}
		t.endpoints = slices.Clone(endpoints)
		gen := m.reconcileLocked()
		m.mu.Unlock()
		m.ks.waitForTraffic(ctx, gen)
	}, func(h tunnel.Health) { m.healthChanged(t, h) })

	m.mu.Lock()
	t.cancelStart, t.starting = nil, nil
	canceled := errors.Is(ctx.Err(), context.Canceled)
	cancel()
	if err != nil {
		if rc != nil {
			clear(rc.SecretKey)
		}
		m.forgetKeysLocked(t)
		t.state, t.reason = api.StateFailed, err.Error()
		if canceled {
			t.reason = "brought down while coming up"
		}
		// Another interface has the name: the tunnel cannot come up until
		// the user acts, and the kill switch must not let that interface's
		// traffic through in its name.
		if errors.Is(err, tunnel.ErrNameTaken) {
			t.rec.WantUp = false
		}
		rec := t.rec
		m.log.Error("tunnel failed to come up", "tunnel", name, "error", t.reason)
		m.publish(t)
		gen := m.reconcileLocked()
		m.mu.Unlock()
		m.saveWantUp(rec)
		m.ks.waitFor(gen, applyWait)
		if canceled {
			return api.Tunnel{}, errorf(http.StatusConflict, api.CodeConflict, "%s was brought down while it was coming up", name)
		}
		return api.Tunnel{}, startFailed(err)
	}
	t.run, t.state = run, api.StateUp
	m.log.Info("tunnel up", "tunnel", name, "interface", run.Interface())
	for _, note := range t.cfg.NotApplied() {
		m.log.Warn("config not applied", "tunnel", name, "what", note)
	}
	m.publish(t)
	gen := m.reconcileLocked()
	view, rec := t.view(caller), t.rec
	m.mu.Unlock()
	m.saveWantUp(rec)
	m.ks.waitFor(gen, applyWait)
	return view, nil
}

// healthChanged publishes what a running tunnel says about the network
// under it: the tray shows a tunnel waiting for the network, and tells
// once about peers that stopped answering.
func (m *manager) healthChanged(t *managed, h tunnel.Health) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t.full == nil {
		// Down already: its health no longer matters.
		return
	}
	v := api.Health{NoNetwork: h.NoNetwork, Unanswered: len(h.Unanswered) > 0}
	if v == t.health {
		return
	}
	t.health = v
	m.publish(t)
}

// saveWantUp stores the record of a tunnel that was brought up (or failed
// to), so that the next start of the service knows whether to restore it.
// Hold t.op.
func (m *manager) saveWantUp(rec record) {
	if err := m.store.saveTunnel(rec); err != nil {
		m.log.Error("cannot remember whether the tunnel should be up", "tunnel", rec.Name, "want_up", rec.WantUp, "error", err.Error())
	}
}

func (m *manager) down(caller ipc.Peer, name string) (api.Tunnel, error) {
	t, err := m.lookup(caller, name)
	if err != nil {
		return api.Tunnel{}, err
	}
	name = t.rec.Name
	m.mu.Lock()
	if t.cancelStart != nil {
		t.cancelStart()
	}
	m.mu.Unlock()
	if err := m.lockCurrent(name, t); err != nil {
		return api.Tunnel{}, err
	}
	defer t.op.Unlock()
	m.stop(t, true)
	m.mu.Lock()
	defer m.mu.Unlock()
	return t.view(caller), nil
}

// applyWait bounds how long a change waits for the kill switch to put its
// policy in force before it answers; the kill switch's state tells whether
// it did.
const applyWait = 15 * time.Second

// stop takes a tunnel down and forgets its keys. Hold t.op, not m.mu.
func (m *manager) stop(t *managed, persist bool) {
	m.mu.Lock()
	name := t.rec.Name
	if t.state == api.StateDown {
		m.stopPausedLocked(t, persist)
		return
	}
	run := t.run
	t.state = api.StateStopping
	closing := m.closing
	if !closing {
		t.rec.WantUp, t.needsKeys = false, false
		t.paused, t.manualOn = "", nil
	}
	rec := t.rec
	m.publish(t)
	m.mu.Unlock()

	if persist && !closing {
		if err := m.store.saveTunnel(rec); err != nil {
			m.log.Error("cannot remember that the tunnel should be down", "tunnel", name, "error", err.Error())
		}
	}
	var err error
	if run != nil {
		err = run.Close()
	}

	m.mu.Lock()
	t.run, t.endpoints, t.health = nil, nil, api.Health{}
	if run != nil {
		releaseMemory()
	}
	m.forgetKeysLocked(t)
	t.state, t.reason = api.StateDown, ""
	if err != nil {
		t.state, t.reason = api.StateFailed, fmt.Sprintf("going down: %v", err)
		m.log.Error("tunnel did not go down cleanly", "tunnel", name, "error", err.Error())
	} else {
		m.log.Info("tunnel down", "tunnel", name)
	}
	m.publish(t)
	if m.closing {
		m.mu.Unlock()
		return
	}
	gen := m.reconcileLocked()
	m.mu.Unlock()
	m.ks.waitFor(gen, applyWait)
}

// releasing is whether releaseMemory's collection runs.
var releasing atomic.Bool

// releaseMemory collects, in the background, the memory of a tunnel that
// stopped and gives it back to the OS at once. wireguard-go allocates
// about 24 MB of packet buffers per device (128 of 64 KiB for the TUN
// reader and for each UDP receiver). Left to the garbage collector, a
// stopped tunnel's buffers are found only at the next collection, which
// the next up's own allocations trigger, and the runtime then zeroes the
// reused memory before handing it out again: milliseconds of CPU, and
// page faults, while that up is on its way to the first handshake (on
// this machine the TUN's creation alone took 1.6 ms instead of 0.2).
// Memory given back to the OS comes back zeroed by the kernel, so the
// next up's buffers cost nothing until packets fill them. A call while a
// collection runs is dropped; the runtime's own collections find what
// that one missed.
func releaseMemory() {
	if releasing.Swap(true) {
		return
	}
	go func() {
		defer releasing.Store(false)
		debug.FreeOSMemory()
	}()
}

// forgetKeysLocked wipes the keys the manager held for t.
func (m *manager) forgetKeysLocked(t *managed) {
	clear(t.rosenpassSecret)
	t.rosenpassSecret = nil
	if t.full == nil {
		return
	}
	m.dropKeysLocked(t.full)
	t.full, t.upCfg, t.upPub, t.endpoints = nil, nil, "", nil
}

// shutdown brings every tunnel down but remembers which should be up, so
// that the next start asks for their keys.
func (m *manager) shutdown() {
	m.mu.Lock()
	m.closing = true
	ts := make([]*managed, 0, len(m.tunnels))
	for _, t := range m.tunnels {
		ts = append(ts, t)
	}
	m.mu.Unlock()
	for _, t := range ts {
		t.op.Lock()
		m.stop(t, false)
		t.op.Unlock()
	}
}

// overlapLocked refuses a tunnel whose addresses or routes overlap those of
// a tunnel already up or starting.
func (m *manager) overlapLocked(name string, cfg *importer.Config) error {
	mine := prefixesOf(cfg)
	for _, t := range m.tunnels {
		other := t.rec.Name
		if strings.EqualFold(other, name) || (t.state != api.StateUp && t.state != api.StateStarting) {
			continue
		}
		theirs := prefixesOf(t.activeCfg())
		for _, a := range mine {
			for _, b := range theirs {
				if a.Overlaps(b) {
					return errorf(http.StatusConflict, api.CodeConflict,
						"%s cannot come up while %s is up: %s overlaps %s; bring %s down first", name, other, a.Masked(), b.Masked(), other)
				}
			}
		}
	}
	return nil
}

// prefixesOf are a config's addresses and the routes it installs.
func prefixesOf(cfg *importer.Config) []netip.Prefix {
	var ps []netip.Prefix
	for _, a := range cfg.Interface.Addresses {
		ps = append(ps, a.Masked())
	}
	if cfg.Interface.Table.Off {
		return ps
	}
	for _, p := range cfg.Peers {
		ps = append(ps, p.AllowedIPs...)
	}
	return ps
}

// status reports every tunnel the caller may see (or only name) with
// live statistics for those it may act on.
func (m *manager) status(caller ipc.Peer, name string) (api.Status, error) {
	type item struct {
		view api.TunnelStatus
		cfg  *importer.Config
		pub  string
		run  running
		rp   *rosenpassRecord
	}
	var items []item
	m.mu.Lock()
	for _, t := range m.tunnels {
		n := t.rec.Name
		if t.creating || name != "" && !strings.EqualFold(n, name) {
			continue
		}
		it := item{view: api.TunnelStatus{Name: n, State: t.state}}
		if mayAct(caller, t.rec) {
			it.view.Error, it.view.NeedsKeys, it.view.Health = t.reason, t.needsKeys, t.health
			it.view.Start = t.rec.startMode()
			it.view.Networks, it.view.Paused = t.rec.networksMode(), t.paused
			it.cfg, it.pub, it.run, it.rp = t.cfg, t.rec.PublicKey, t.run, t.rec.Rosenpass
			if t.run != nil && t.upCfg != nil {
				it.cfg, it.pub = t.upCfg, t.upPub
			}
		}
		items = append(items, it)
	}
	m.mu.Unlock()
	if name != "" && len(items) == 0 {
		return api.Status{}, notFound(name)
	}
	st := api.Status{Tunnels: make([]api.TunnelStatus, 0, len(items)), KillSwitch: m.ks.state(caller), Network: m.trusted.currentView()}
	for _, it := range items {
		if it.cfg != nil {
			it.view.Interface, it.view.Peers = liveView(it.cfg, it.pub, it.run, it.rp)
		}
		st.Tunnels = append(st.Tunnels, it.view)
	}
	sort.Slice(st.Tunnels, func(i, j int) bool { return st.Tunnels[i].Name < st.Tunnels[j].Name })
	return st, nil
}

// liveView merges the config with the statistics of a running tunnel.
func liveView(cfg *importer.Config, pub string, run running, rp *rosenpassRecord) (*api.InterfaceStatus, []api.PeerStatus) {
	iface := &api.InterfaceStatus{
		PublicKey:  pub,
		ListenPort: cfg.Interface.ListenPort,
		Addresses:  nonNil(cfg.Interface.Addresses),
		DNS:        nonNil(cfg.Interface.DNS),
		MTU:        cfg.Interface.MTU,
	}
	peers := make([]api.PeerStatus, 0, len(cfg.Peers))
	for _, p := range cfg.Peers {
		peers = append(peers, api.PeerStatus{
			PublicKey:           p.PublicKey.String(),
			Endpoint:            p.Endpoint.String(),
			AllowedIPs:          nonNil(p.AllowedIPs),
			PersistentKeepalive: p.PersistentKeepalive,
			Rosenpass:           rosenpassView(rp, cfg, p.PublicKey, nil),
		})
	}
	if run == nil {
		return iface, peers
	}
	iface.Name = run.Interface()
	s, err := run.Stats()
	if err != nil {
		return iface, peers
	}
	for i, p := range cfg.Peers {
		peers[i].Rosenpass = rosenpassView(rp, cfg, p.PublicKey, s.Rosenpass)
	}
	iface.ListenPort = s.ListenPort
	for _, lp := range s.Peers {
		i := slices.IndexFunc(cfg.Peers, func(p importer.Peer) bool { return p.PublicKey == lp.PublicKey })
		if i < 0 {
			continue
		}
		ps := &peers[i]
		if lp.Endpoint.IsValid() {
			ps.Endpoint = lp.Endpoint.String()
		}
		if !lp.LatestHandshake.IsZero() {
			hs := lp.LatestHandshake.UTC()
			ps.LatestHandshake = &hs
		}
		ps.RxBytes, ps.TxBytes = lp.RxBytes, lp.TxBytes
	}
	return iface, peers
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// policyLocked is the kill-switch view of the tunnels: every tunnel that
// is up, starting, or failed while still meant to be up.
func (m *manager) policyLocked() []firewall.FirewallTunnel {
	var fts []firewall.FirewallTunnel
	for _, t := range m.tunnels {
		name := t.rec.Name
		if t.state == api.StateDown || !t.rec.WantUp || t.paused != "" {
			continue
		}
		cfg := t.activeCfg()
		ft := firewall.FirewallTunnel{Interface: name, DNS: slices.Clone(cfg.Interface.DNS)}
		for _, p := range cfg.Peers {
			for _, a := range p.AllowedIPs {
				if a.Bits() == 0 {
					ft.DefaultRoute = true
				}
			}
			ft.AllowedIPs = append(ft.AllowedIPs, p.AllowedIPs...)
			if ap, err := netip.ParseAddrPort(p.Endpoint.String()); err == nil {
				ft.Endpoints = append(ft.Endpoints, ap)
			}
		}
		if s := t.starting; s != nil && t.run == nil {
			ft.Interface, ft.FwMark = s.Interface, s.FwMark
		}
		if t.run != nil {
			ft.Interface = t.run.Interface()
			ft.FwMark = t.run.FwMark()
			ft.DefaultRoute = t.run.DefaultRoute()
		}
		for _, e := range t.endpoints {
			if !slices.Contains(ft.Endpoints, e) {
				ft.Endpoints = append(ft.Endpoints, e)
			}
		}
		fts = append(fts, ft)
	}
	sort.Slice(fts, func(i, j int) bool { return fts[i].Interface < fts[j].Interface })
	return fts
}

// reconcileKillSwitch hands the kill switch the current policy and waits
// until it is in force. The snapshot is taken under m.mu, as every state
// change's is, so generations follow the changes.
func (m *manager) reconcileKillSwitch() {
	m.mu.Lock()
	gen := m.reconcileLocked()
	m.mu.Unlock()
	m.ks.waitFor(gen, applyWait)
}

// refreshEndpoints asks every running tunnel's device where it sends
// (endpoints roam and are resolved again), outside m.mu, and hands the
// kill switch the policy with them.
func (m *manager) refreshEndpoints() {
	type item struct {
		t   *managed
		run running
	}
	var items []item
	m.mu.Lock()
	for _, t := range m.tunnels {
		if t.run != nil {
			items = append(items, item{t, t.run})
		}
	}
	m.mu.Unlock()
	for _, it := range items {
		s, err := it.run.Stats()
		if err != nil {
			continue
		}
		var eps []netip.AddrPort
		for _, p := range s.Peers {
			if p.Endpoint.IsValid() {
				eps = append(eps, p.Endpoint)
			}
		}
		m.mu.Lock()
		if it.t.run == it.run {
			it.t.endpoints = eps
		}
		m.mu.Unlock()
	}
	m.reconcileKillSwitch()
}

// opLock is a mutex whose waiters can give up.
type opLock struct {
	once sync.Once
	ch   chan struct{}
}

func (l *opLock) init() { l.once.Do(func() { l.ch = make(chan struct{}, 1) }) }

func (l *opLock) Lock() {
	l.init()
	l.ch <- struct{}{}
}

// lockWithin locks unless ctx ends first, and reports whether it did.
func (l *opLock) lockWithin(ctx context.Context) bool {
	l.init()
	select {
	case l.ch <- struct{}{}:
		return true
	case <-ctx.Done():
		return false
	}
}

func (l *opLock) Unlock() {
	select {
	case <-l.ch:
	default:
		panic("service: unlock of an operation lock that is not held")
	}
}

func wipeSecrets(s *importer.Secrets) {
	clear(s.PrivateKey[:])
	clear(s.RosenpassSecretKey)
	for pub, psk := range s.PresharedKeys {
		clear(psk[:])
		s.PresharedKeys[pub] = psk
	}
}

func wipeConfig(c *importer.Config) {
	clear(c.Interface.PrivateKey[:])
	for i := range c.Peers {
		clear(c.Peers[i].PresharedKey[:])
	}
}
