// Package client is the typed client of wgtrayd's local API, used by the
// command line and the GUI. It also keeps the user's tunnel keys: they go to
// the keyring at import and travel to the service only with Up.
package client

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/platform/paths"
	"github.com/wgtray/wgtray/service/api"
)

// requestTimeout bounds one call; the service answers an up, its longest,
// within api.UpTimeout.
const requestTimeout = api.UpTimeout + 10*time.Second

// Client talks to one wgtrayd over its socket. It is safe for concurrent
// use.
type Client struct {
	socket string
	keys   KeyStore
	http   *http.Client
	stream *http.Client // no timeout: events and followed logs run long
}

// New returns a client for the service at socket (paths.SocketPath() when
// empty) that keeps keys in keys (Keyring() when nil).
func New(socket string, keys KeyStore) *Client {
	if socket == "" {
		socket = paths.SocketPath()
	}
	if keys == nil {
		keys = Keyring()
	}
	c := &Client{socket: socket, keys: keys}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return ipc.DialIPC(ctx, c.socket)
		},
		MaxIdleConns:    2,
		IdleConnTimeout: 30 * time.Second,
	}
	c.http = &http.Client{Transport: tr, Timeout: requestTimeout}
	c.stream = &http.Client{Transport: tr}
	return c
}

// Socket is the path the client connects to.
func (c *Client) Socket() string { return c.socket }

// Error is an error answer of the service. Branch on Code (api.Code...).
type Error struct {
	Status  int
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// IsCode reports whether err is a service error with the given code.
func IsCode(err error, code string) bool {
	return Code(err) == code
}

// Code is the code of the service error in err, or "" when there is none.
// A client looks its own advice up by it.
func Code(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// ErrNotRunning means nothing answers on the socket.
var ErrNotRunning = errors.New("the wgtray service is not running")

// NotRunningError says where the client looked and how to start the service.
type NotRunningError struct {
	Socket string
	Err    error
}

func (e *NotRunningError) Error() string {
	return fmt.Sprintf("the wgtray service is not running (nothing answers on %s: %v); "+
		"start it with `sudo wgtrayd start` (or `sudo wgtrayd install` once), "+
		"or point WGTRAY_SOCKET at the socket it listens on", e.Socket, e.Err)
}

func (e *NotRunningError) Unwrap() error { return ErrNotRunning }

// Version asks the service for its version.
func (c *Client) Version(ctx context.Context) (api.VersionInfo, error) {
	var v api.VersionInfo
	err := c.do(ctx, api.RouteVersion, "", nil, nil, &v)
	return v, err
}

// List returns every tunnel the caller may see; other operators' tunnels
// carry only name and state.
func (c *Client) List(ctx context.Context) ([]api.Tunnel, error) {
	var ts []api.Tunnel
	err := c.do(ctx, api.RouteTunnels, "", nil, nil, &ts)
	return ts, err
}

// Get returns one tunnel.
func (c *Client) Get(ctx context.Context, name string) (api.Tunnel, error) {
	var t api.Tunnel
	err := c.do(ctx, api.RouteTunnel, name, nil, nil, &t)
	return t, err
}

// Import creates the tunnel name from cfg: the service gets the config
// without secrets, the keyring gets the private and preshared keys, before
// the tunnel exists: whoever sees it (the tray, another window) can bring
// it up at once. When the tunnel cannot be created, the keyring is left as
// it was.
func (c *Client) Import(ctx context.Context, name string, cfg *importer.Config) (api.Tunnel, error) {
	return c.create(ctx, api.CreateRequest{Name: name}, cfg)
}

// ImportDerived imports cfg like Import under the first free name of name,
// name-2, name-3...: for a name derived from a file name
// (importer.Result.Derived). The answer's Name is the name it got.
func (c *Client) ImportDerived(ctx context.Context, name string, cfg *importer.Config) (api.Tunnel, error) {
	return c.create(ctx, api.CreateRequest{Name: name, Unique: true}, cfg)
}

// create asks the service to check the config and hold the name the
// tunnel gets, stores the keys under that name, then creates the tunnel
// under it. When that fails, the keyring entry is put back as it was: a
// stale one (the name belonged to no tunnel) or none.
func (c *Client) create(ctx context.Context, req api.CreateRequest, cfg *importer.Config) (api.Tunnel, error) {
	redacted, secrets := cfg.Redact()
	req.Config, req.PublicKey = redacted.String(), cfg.Interface.PrivateKey.Public().String()
	req.Reservation = rand.Text()
	reserve := req
	reserve.Reserve = true
	var t api.Tunnel
	if err := c.do(ctx, api.RouteCreate, "", nil, reserve, &t); err != nil {
		return api.Tunnel{}, err
	}
	name := t.Name
	previous, err := c.keys.Get(name)
	if err != nil && !errors.Is(err, ErrNoKeys) {
		return api.Tunnel{}, fmt.Errorf("import %s: %w", name, err)
	}
	encoded := encodeSecrets(secrets)
	if err := c.keys.Set(name, encoded); err != nil {
		return api.Tunnel{}, fmt.Errorf("import %s: %w", name, err)
	}
	req.Name, req.Unique = name, false
	if err := c.do(ctx, api.RouteCreate, "", nil, req, &t); err != nil {
		if rerr := c.restoreKeys(name, encoded, previous); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return api.Tunnel{}, err
	}
	return t, nil
}

// restoreKeys puts the keyring entry of name back to previous ("" for
// none) after an import that stored ours there did not happen, unless
// something else was stored there since.
func (c *Client) restoreKeys(name, ours, previous string) error {
	current, err := c.keys.Get(name)
	switch {
	case errors.Is(err, ErrNoKeys):
		return nil
	case err != nil:
		return fmt.Errorf("the keys stored for %s may stay in your keyring: %w", name, err)
	case current != ours:
		return nil
	}
	if previous != "" {
		err = c.keys.Set(name, previous)
	} else {
		err = c.keys.Delete(name)
	}
	if err != nil {
		return fmt.Errorf("the keys stored for %s stay in your keyring: %w", name, err)
	}
	return nil
}

// Rename gives the caller's tunnel name, which must be down, the name
// newName, and moves its keys in the keyring with it: they are stored
// under the new name first and removed from the old one last, so a failure
// on the way loses nothing.
func (c *Client) Rename(ctx context.Context, name, newName string) (api.Tunnel, error) {
	if err := importer.ValidateName(newName); err != nil {
		return api.Tunnel{}, err
	}
	data, err := c.keys.Get(name)
	if err != nil && !errors.Is(err, ErrNoKeys) {
		return api.Tunnel{}, fmt.Errorf("rename %s: %w", name, err)
	}
	// A change of case only may be one keyring entry (Windows): after the
	// old name's entry is deleted, the new one is written again.
	sameEntry := strings.EqualFold(name, newName)
	if data != "" {
		if err := c.keys.Set(newName, data); err != nil {
			return api.Tunnel{}, fmt.Errorf("rename %s: store its keys under %s: %w", name, newName, err)
		}
	}
	var t api.Tunnel
	if err := c.do(ctx, api.RouteRename, name, nil, api.RenameRequest{Name: newName}, &t); err != nil {
		if data != "" && !sameEntry {
			if derr := c.keys.Delete(newName); derr != nil {
				err = errors.Join(err, fmt.Errorf("remove the keys stored under %s: %w", newName, derr))
			}
		}
		return t, err
	}
	if data != "" && name != newName {
		if err := c.keys.Delete(name); err != nil && !errors.Is(err, ErrNoKeys) {
			return t, fmt.Errorf("renamed %s to %s, but its keys under the old name stay in the keyring: %w", name, newName, err)
		}
		if sameEntry {
			if err := c.keys.Set(newName, data); err != nil {
				return t, fmt.Errorf("renamed %s to %s, but its keys are lost; import its config again: %w", name, newName, err)
			}
		}
	}
	return t, nil
}

// Update replaces the configuration of tunnel name with cfg and its keys in
// the keyring. The keys go to the service too: a running tunnel takes the
// edit at once, peer settings in place and interface settings by a quick
// reconnect; the answer's Applied says which.
func (c *Client) Update(ctx context.Context, name string, cfg *importer.Config) (api.UpdateResult, error) {
	redacted, secrets := cfg.Redact()
	encoded := encodeSecrets(secrets)
	keys, err := decodeUpRequest(encoded)
	if err != nil {
		return api.UpdateResult{}, fmt.Errorf("update %s: %w", name, err)
	}
	defer wipeUpRequest(&keys)
	req := api.UpdateRequest{Config: redacted.String(), PublicKey: cfg.Interface.PrivateKey.Public().String(), Keys: &keys}
	var res api.UpdateResult
	if err := c.do(ctx, api.RouteUpdate, name, nil, req, &res); err != nil {
		return res, err
	}
	if err := c.keys.Set(name, encoded); err != nil {
		return res, fmt.Errorf("update keys of %s: %w", name, err)
	}
	return res, nil
}

// SetStart sets when tunnel name comes up by itself: api.StartManual,
// StartLogin (Restore brings it up when the tray agent connects) or
// StartBoot (api.BootMeaning). For boot it sends the keys from the key
// store for the service to seal; with none there (another user's tunnel,
// set by an admin) the service seals the keys the running tunnel has.
func (c *Client) SetStart(ctx context.Context, name string, mode api.StartMode) (api.Tunnel, error) {
	return c.SetSettings(ctx, name, api.SettingsRequest{Start: mode})
}

// SetSettings changes a tunnel's settings: those set in req (Keys are
// read from the key store for start=boot).
func (c *Client) SetSettings(ctx context.Context, name string, req api.SettingsRequest) (api.Tunnel, error) {
	var keysErr error
	if req.Start == api.StartBoot {
		var data string
		if data, keysErr = c.keys.Get(name); keysErr == nil {
			up, err := decodeUpRequest(data)
			if err != nil {
				return api.Tunnel{}, fmt.Errorf("start %s at boot: %w", name, err)
			}
			defer wipeUpRequest(&up)
			req.Keys = &up
		}
	}
	var t api.Tunnel
	err := c.do(ctx, api.RouteSettings, name, nil, req, &t)
	if err != nil && keysErr != nil && IsCode(err, api.CodeBadRequest) {
		err = fmt.Errorf("%w (your key store: %v)", err, keysErr)
	}
	return t, err
}

// Delete removes the tunnel from the service (bringing it down first) and
// its keys from the keyring.
func (c *Client) Delete(ctx context.Context, name string) error {
	if err := c.do(ctx, api.RouteDelete, name, nil, nil, nil); err != nil {
		return err
	}
	if err := c.keys.Delete(name); err != nil && !errors.Is(err, ErrNoKeys) {
		return fmt.Errorf("the tunnel is removed but its keys are not: %w", err)
	}
	if err := c.deleteRosenpassSecret(name); err != nil {
		return fmt.Errorf("the tunnel is removed but its Rosenpass secret key is not: %w", err)
	}
	return nil
}

// Up reads the tunnel's keys from the keyring and asks the service to bring
// it up with them. It returns when the tunnel is up or has failed.
func (c *Client) Up(ctx context.Context, name string) (api.Tunnel, error) {
	return c.up(ctx, name, false)
}

// up is Up; restore says the client brings the tunnel back by itself
// (api.UpRequest.Restore).
func (c *Client) up(ctx context.Context, name string, restore bool) (api.Tunnel, error) {
	data, err := c.keys.Get(name)
	if err != nil {
		// Without keys, say first what the service knows: no such tunnel,
		// or one of another user.
		if t, gerr := c.Get(ctx, name); gerr != nil {
			return api.Tunnel{}, gerr
		} else if t.Owner == nil {
			return api.Tunnel{}, fmt.Errorf("bring up %s: the tunnel belongs to another user, whose keys only they have", name)
		}
		return api.Tunnel{}, fmt.Errorf("bring up %s: %w", name, err)
	}
	req, err := decodeUpRequest(data)
	if err != nil {
		return api.Tunnel{}, fmt.Errorf("bring up %s: %w", name, err)
	}
	defer wipeUpRequest(&req)
	if req.RosenpassSecretKey, err = c.rosenpassSecret(name); err != nil {
		return api.Tunnel{}, fmt.Errorf("bring up %s: %w", name, err)
	}
	req.Restore = restore
	var t api.Tunnel
	err = c.do(ctx, api.RouteUp, name, nil, req, &t)
	return t, err
}

// Down brings a tunnel down; the service forgets its keys.
func (c *Client) Down(ctx context.Context, name string) (api.Tunnel, error) {
	var t api.Tunnel
	err := c.do(ctx, api.RouteDown, name, nil, nil, &t)
	return t, err
}

// Status returns every visible tunnel with live statistics and the kill
// switch, or only tunnel name when name is not empty.
func (c *Client) Status(ctx context.Context, name string) (api.Status, error) {
	var s api.Status
	var q url.Values
	if name != "" {
		q = url.Values{"name": {name}}
	}
	err := c.do(ctx, api.RouteStatus, "", q, nil, &s)
	return s, err
}

// Export returns the full config of a tunnel: the service's copy without
// secrets, completed with the keys from the caller's keyring.
func (c *Client) Export(ctx context.Context, name string) (*importer.Config, error) {
	t, err := c.Get(ctx, name)
	if err != nil {
		return nil, err
	}
	if t.Config == "" {
		return nil, fmt.Errorf("export %s: the tunnel belongs to another user; only its owner can export it", name)
	}
	redacted, err := importer.ParseRedacted(name+".conf", []byte(t.Config))
	if err != nil {
		return nil, fmt.Errorf("export %s: the service sent a config that does not parse: %w", name, err)
	}
	data, err := c.keys.Get(name)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", name, err)
	}
	secrets, err := decodeSecrets(data)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", name, err)
	}
	return redacted.WithSecrets(secrets)
}

// Restore brings up what should be up in the caller's session: every
// tunnel of the caller that the service wants up but holds no keys for
// (after a restart of the service), and every one set to start at login
// that is not up. The tray agent calls it each time it connects: when the
// user logs in, and when the service has restarted. These ups are the
// client's, not the user's: on a trusted network a tunnel set to
// networks=untrusted stays paused (the service keeps its keys to bring it
// up when the laptop leaves). It returns the names
// it brought up; a tunnel that fails does not stop the others, its error
// is joined into the result.
func (c *Client) Restore(ctx context.Context) ([]string, error) {
	ts, err := c.List(ctx)
	if err != nil {
		return nil, err
	}
	var (
		restored []string
		errs     []error
	)
	for _, t := range ts {
		if !t.Mine || !(t.NeedsKeys || StartsAtLogin(t)) {
			continue
		}
		if _, err := c.up(ctx, t.Name, true); err != nil {
			errs = append(errs, err)
			continue
		}
		restored = append(restored, t.Name)
	}
	return restored, errors.Join(errs...)
}

// StartsAtLogin reports whether t is set to start at login and is not up,
// on its way, or paused on a trusted network (the service holds its keys
// then).
func StartsAtLogin(t api.Tunnel) bool {
	return t.Start == api.StartLogin && t.Paused == "" && (t.State == api.StateDown || t.State == api.StateFailed)
}

// KillSwitch returns the kill-switch settings and whether rules are active.
func (c *Client) KillSwitch(ctx context.Context) (api.KillSwitch, error) {
	var k api.KillSwitch
	err := c.do(ctx, api.RouteKillSwitch, "", nil, nil, &k)
	return k, err
}

// SetKillSwitch changes mode and allow_lan and returns the new state; an
// operator gets an error with code api.CodeKillSwitchLocked where only an
// administrator may change it.
func (c *Client) SetKillSwitch(ctx context.Context, mode api.KillSwitchMode, allowLAN bool) (api.KillSwitch, error) {
	return c.setKillSwitch(ctx, api.SetKillSwitch{Mode: mode, AllowLAN: allowLAN})
}

// SetKillSwitchLocked is SetKillSwitch that also locks the setting against
// operators, or unlocks it: for administrators only.
func (c *Client) SetKillSwitchLocked(ctx context.Context, mode api.KillSwitchMode, allowLAN, locked bool) (api.KillSwitch, error) {
	return c.setKillSwitch(ctx, api.SetKillSwitch{Mode: mode, AllowLAN: allowLAN, Locked: &locked})
}

func (c *Client) setKillSwitch(ctx context.Context, req api.SetKillSwitch) (api.KillSwitch, error) {
	var k api.KillSwitch
	err := c.do(ctx, api.RouteSetKillSwitch, "", nil, req, &k)
	return k, err
}

// Networks is the current network and the machine's trusted networks.
func (c *Client) Networks(ctx context.Context) (api.Networks, error) {
	var n api.Networks
	err := c.do(ctx, api.RouteNetworks, "", nil, nil, &n)
	return n, err
}

// Trust adds a trusted network (req.Current: the one the laptop is on).
// The answer's Warning is set for a network trusted by its SSID alone.
func (c *Client) Trust(ctx context.Context, req api.TrustRequest) (api.TrustedNetwork, error) {
	var n api.TrustedNetwork
	err := c.do(ctx, api.RouteTrust, "", nil, req, &n)
	return n, err
}

// Distrust removes the trusted network with this ID or name.
func (c *Client) Distrust(ctx context.Context, id string) error {
	return c.do(ctx, api.RouteDistrust, id, nil, nil, nil)
}

// Events calls fn for every event until ctx is done or the connection ends;
// it starts with the state of every visible tunnel, the kill switch and
// the network (api.EventNetwork),
// then api.EventReady. Reconnecting is the caller's job: the error says why
// the stream ended (nil after ctx is done).
func (c *Client) Events(ctx context.Context, fn func(api.Event)) error {
	return c.streamLines(ctx, api.RouteEvents, nil, false, func(line []byte) error {
		var e api.Event
		if err := jsonv2.Unmarshal(line, &e); err != nil {
			return fmt.Errorf("read event: %w", err)
		}
		fn(e)
		return nil
	})
}

// Logs returns the service log the ring buffer holds, oldest first.
func (c *Client) Logs(ctx context.Context) ([]api.LogEntry, error) {
	var entries []api.LogEntry
	err := c.logs(ctx, false, func(e api.LogEntry) { entries = append(entries, e) })
	return entries, err
}

// FollowLogs calls fn for every entry in the ring buffer and then for every
// new one until ctx is done or the connection ends.
func (c *Client) FollowLogs(ctx context.Context, fn func(api.LogEntry)) error {
	return c.logs(ctx, true, fn)
}

func (c *Client) logs(ctx context.Context, follow bool, fn func(api.LogEntry)) error {
	var q url.Values
	if follow {
		q = url.Values{"follow": {"true"}}
	}
	return c.streamLines(ctx, api.RouteLogs, q, !follow, func(line []byte) error {
		var e api.LogEntry
		if err := jsonv2.Unmarshal(line, &e); err != nil {
			return fmt.Errorf("read log entry: %w", err)
		}
		fn(e)
		return nil
	})
}

// do sends one request and decodes the JSON answer into out (when not nil).
// Answers are read with json/v2, which reads the status of 100 tunnels in
// half the time and allocations of encoding/json; requests are written with
// encoding/json, as the service reads them.
func (c *Client) do(ctx context.Context, r api.Route, name string, query url.Values, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		defer clear(b)
		body = bytes.NewReader(b)
	}
	method, path := r.Method, r.URL(name, query)
	resp, err := c.send(ctx, c.http, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	// Reading to the end of the body (and of a chunked one) keeps the
	// connection for the next request.
	if err := jsonv2.UnmarshalRead(resp.Body, out); err != nil {
		return fmt.Errorf("read answer of %s %s: %w", method, path, err)
	}
	return nil
}

func (c *Client) send(ctx context.Context, hc *http.Client, method, path string, body io.Reader) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, "http://wgtrayd"+path, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			if errors.Is(op.Err, os.ErrPermission) {
				return nil, fmt.Errorf("you may not use the wgtray service (%w); %s", op.Err, ipc.JoinOperators)
			}
			return nil, &NotRunningError{Socket: c.socket, Err: op.Err}
		}
		return nil, fmt.Errorf("talk to the wgtray service: %w", err)
	}
	if resp.StatusCode >= 300 {
		defer resp.Body.Close()
		return nil, readError(resp)
	}
	return resp, nil
}

func readError(resp *http.Response) error {
	var eb api.ErrorBody
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err := jsonv2.Unmarshal(b, &eb); err != nil || eb.Error.Code == "" {
		return &Error{Status: resp.StatusCode, Code: api.CodeInternal,
			Message: fmt.Sprintf("the service answered %s: %s", resp.Status, strings.TrimSpace(string(b)))}
	}
	return &Error{Status: resp.StatusCode, Code: eb.Error.Code, Message: eb.Error.Message}
}

// maxStreamLine bounds one line of a stream. An event carries a tunnel's
// config, up to importer.MaxConfigSize and doubled by JSON escaping as the
// service allows; a longer line would end every stream at that tunnel.
const maxStreamLine = 2*importer.MaxConfigSize + 64<<10

// streamLines reads an answer of one JSON object a line; unless the answer
// ends by itself (finite), its end is an error: the stream was cut.
func (c *Client) streamLines(ctx context.Context, r api.Route, query url.Values, finite bool, fn func([]byte) error) error {
	path := r.URL("", query)
	resp, err := c.send(ctx, c.stream, r.Method, path, nil)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 0, 64<<10), maxStreamLine)
	for sc.Scan() {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := fn(sc.Bytes()); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return nil
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("stream %s: %w", path, err)
	}
	if finite {
		return nil
	}
	return fmt.Errorf("stream %s: %w", path, io.ErrUnexpectedEOF)
}
