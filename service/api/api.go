// Package api holds the types of wgtrayd's local HTTP+JSON API: what the
// service sends and what it accepts under /v1/. The service and its client
// share them so the wire format has one definition.
//
// The API, on the socket paths.SocketPath() (for example
// `curl --unix-socket /run/wgtray/wgtray.sock http://wgtrayd/v1/status`);
// Routes holds these methods and paths for the server and the client:
//
//	GET    /v1/version                  VersionInfo
//	GET    /v1/tunnels                  []Tunnel
//	POST   /v1/tunnels                  CreateRequest → 201 Tunnel
//	GET    /v1/tunnels/{name}           Tunnel
//	PUT    /v1/tunnels/{name}           UpdateRequest → UpdateResult
//	DELETE /v1/tunnels/{name}           204 (brings it down first)
//	POST   /v1/tunnels/{name}/rename    RenameRequest → Tunnel (only while down)
//	POST   /v1/tunnels/{name}/up        UpRequest → Tunnel
//	POST   /v1/tunnels/{name}/down      Tunnel
//	GET    /v1/tunnels/{name}/status    TunnelStatus
//	PUT    /v1/tunnels/{name}/settings  SettingsRequest → Tunnel
//	GET    /v1/tunnels/{name}/rosenpass RosenpassKey (the tunnel's public key)
//	PUT    /v1/tunnels/{name}/rosenpass RosenpassRequest → Tunnel
//	GET    /v1/status[?name=NAME]       Status
//	GET    /v1/events                   Event a line, until the client leaves
//	GET    /v1/logs[?follow=true]       LogEntry a line
//	GET    /v1/killswitch               KillSwitch
//	PUT    /v1/killswitch               SetKillSwitch → KillSwitch
//	GET    /v1/networks                 Networks (the current network, the trusted ones)
//	POST   /v1/networks/trusted         TrustRequest → 201 TrustedNetwork
//	DELETE /v1/networks/trusted/{id}    204
//
// Bodies are application/json. Every error is ErrorBody with a status and
// a Code* code. Callers are identified by the OS: root is admin, members
// of the group wgtray operators, anyone else gets 403 on every path; an
// operator sees another operator's tunnels by name and state only.
package api

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/wgtray/wgtray/importer"
)

// Version is the API version in every path: /v1/...
const Version = "v1"

// Route is one method and path of the API. {name} in Path stands for a
// tunnel's name, {id} for a trusted network's.
type Route struct {
	Method string
	Path   string
}

// The routes, as the package comment lists them.
var (
	RouteVersion       = Route{"GET", "/v1/version"}
	RouteTunnels       = Route{"GET", "/v1/tunnels"}
	RouteCreate        = Route{"POST", "/v1/tunnels"}
	RouteTunnel        = Route{"GET", "/v1/tunnels/{name}"}
	RouteUpdate        = Route{"PUT", "/v1/tunnels/{name}"}
	RouteDelete        = Route{"DELETE", "/v1/tunnels/{name}"}
	RouteRename        = Route{"POST", "/v1/tunnels/{name}/rename"}
	RouteUp            = Route{"POST", "/v1/tunnels/{name}/up"}
	RouteDown          = Route{"POST", "/v1/tunnels/{name}/down"}
	RouteTunnelStatus  = Route{"GET", "/v1/tunnels/{name}/status"}
	RouteSettings      = Route{"PUT", "/v1/tunnels/{name}/settings"}
	RouteRosenpassKey  = Route{"GET", "/v1/tunnels/{name}/rosenpass"}
	RouteRosenpass     = Route{"PUT", "/v1/tunnels/{name}/rosenpass"}
	RouteStatus        = Route{"GET", "/v1/status"}
	RouteEvents        = Route{"GET", "/v1/events"}
	RouteLogs          = Route{"GET", "/v1/logs"}
	RouteKillSwitch    = Route{"GET", "/v1/killswitch"}
	RouteSetKillSwitch = Route{"PUT", "/v1/killswitch"}
	RouteNetworks      = Route{"GET", "/v1/networks"}
	RouteTrust         = Route{"POST", "/v1/networks/trusted"}
	RouteDistrust      = Route{"DELETE", "/v1/networks/trusted/{id}"}
)

// Routes is every route the service serves; any other method on one of
// their paths is answered 405.
var Routes = []Route{
	RouteVersion, RouteTunnels, RouteCreate, RouteTunnel, RouteUpdate, RouteDelete, RouteRename, RouteUp, RouteDown,
	RouteTunnelStatus, RouteSettings, RouteRosenpassKey, RouteRosenpass, RouteStatus, RouteEvents, RouteLogs, RouteKillSwitch, RouteSetKillSwitch,
	RouteNetworks, RouteTrust, RouteDistrust,
}

// Pattern is the route as http.ServeMux takes it.
func (r Route) Pattern() string { return r.Method + " " + r.Path }

// URL is the route's path with name in place of {name} (or {id}), and
// query.
func (r Route) URL(name string, query url.Values) string {
	u := strings.Replace(r.Path, "{name}", url.PathEscape(name), 1)
	u = strings.Replace(u, "{id}", url.PathEscape(name), 1)
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	return u
}

// State is where a tunnel is in its life.
type State string

const (
	StateDown     State = "down"
	StateStarting State = "starting"
	StateUp       State = "up"
	StateStopping State = "stopping"
	StateFailed   State = "failed"
)

// Tunnel is what the service knows about one tunnel. For a tunnel that
// belongs to another operator only Name and State are filled in.
type Tunnel struct {
	Name  string `json:"name"`
	State State  `json:"state"`
	// Error says why the tunnel failed; empty unless State is failed.
	Error string `json:"error,omitempty"`
	// NeedsKeys is set for a tunnel that is meant to be up but whose keys
	// the service does not hold (after a restart): its owner's client sends
	// them again with Up (client.Restore does it for every such tunnel).
	NeedsKeys bool `json:"needs_keys,omitempty"`
	Health
	// Mine is true when the caller imported the tunnel.
	Mine bool `json:"mine"`
	// Owner is the importing user; nil for another operator's tunnel.
	Owner *Owner `json:"owner,omitempty"`
	// PublicKey is the interface's public key, base64.
	PublicKey string `json:"public_key,omitempty"`
	// Config is the wg-quick text without PrivateKey and PresharedKey.
	Config string `json:"config,omitempty"`
	// Start says when the tunnel comes up by itself; empty for another
	// operator's tunnel.
	Start StartMode `json:"start,omitempty"`
	// SealedBy names the machine's secret store that holds the keys of a
	// tunnel that starts at boot ("systemd-creds with the host key");
	// empty when the service holds no keys at rest.
	SealedBy string `json:"sealed_by,omitempty"`
	// Networks says on which networks the tunnel runs; empty for another
	// operator's tunnel.
	Networks NetworksMode `json:"networks,omitempty"`
	// Paused says why a tunnel meant to be up is held down: the laptop is
	// on a trusted network and the tunnel runs only on untrusted ones
	// ("paused: trusted network home"). Its keys stay in the service's
	// memory; it comes up again when the laptop leaves the network.
	Paused string `json:"paused,omitempty"`
}

// NetworksMode says on which networks a tunnel runs.
type NetworksMode string

// The networks modes.
const (
	// NetworksAny: wherever the laptop is.
	NetworksAny NetworksMode = "any"
	// NetworksUntrusted: only while the current network is not a trusted
	// one; an unknown network counts as untrusted.
	NetworksUntrusted NetworksMode = "untrusted"
)

// Valid reports whether m is one of the two modes.
func (m NetworksMode) Valid() bool { return m == NetworksAny || m == NetworksUntrusted }

// ParseNetworksMode reads a networks mode as the user types it.
func ParseNetworksMode(s string) (NetworksMode, error) {
	if m := NetworksMode(s); m.Valid() {
		return m, nil
	}
	return "", fmt.Errorf("unknown networks mode %q: use any or untrusted", s)
}

// StartMode says when a tunnel comes up without anyone asking.
type StartMode string

// The start modes.
const (
	// StartManual: only when someone brings it up.
	StartManual StartMode = "manual"
	// StartLogin: the owner's tray agent brings it up when they log in,
	// with the keys from their keyring, and again after the service
	// restarts.
	StartLogin StartMode = "login"
	// StartBoot: the service brings it up when it starts, before anyone
	// logs in. The keys are given to this machine: the service keeps them
	// sealed by the machine's secret store.
	StartBoot StartMode = "boot"
)

// BootMeaning is what StartBoot means for the user's keys, as the CLI and
// the window say it.
const BootMeaning = "the tunnel's keys are given to this machine: the service keeps them sealed by the machine's secret store and brings the tunnel up at boot, before anyone logs in"

// Valid reports whether m is one of the three modes.
func (m StartMode) Valid() bool {
	return m == StartManual || m == StartLogin || m == StartBoot
}

// ParseStartMode reads a start mode as the user types it.
func ParseStartMode(s string) (StartMode, error) {
	if m := StartMode(s); m.Valid() {
		return m, nil
	}
	return "", fmt.Errorf("unknown start mode %q: use manual, login or boot", s)
}

// SettingsRequest is the body of PUT /v1/tunnels/{name}/settings: the
// settings to change; an empty field stays as it is. Only the tunnel's
// owner or an admin may change them.
type SettingsRequest struct {
	Start    StartMode    `json:"start,omitempty"`
	Networks NetworksMode `json:"networks,omitempty"`
	// Keys go with Start boot, for the service to seal. Without them the
	// service seals the keys of the running tunnel, if it is up.
	Keys *UpRequest `json:"keys,omitempty"`
}

// Networks is the answer of GET /v1/networks: where the laptop is and
// which networks the machine trusts. Trusted networks belong to the
// machine: administrators and operators may add them; an operator removes
// only those they added, an administrator any.
type Networks struct {
	Current CurrentNetwork   `json:"current"`
	Trusted []TrustedNetwork `json:"trusted"`
}

// CurrentNetwork is the network the laptop reaches the internet through.
// An unknown network (no default route, the gateway's MAC not known) is
// never trusted: doubt favours the VPN.
type CurrentNetwork struct {
	// Text is the network in words ("Wi-Fi \"home\", gateway
	// aa:bb:cc:dd:ee:ff" or "unknown network").
	Text       string     `json:"text"`
	Known      bool       `json:"known"`
	Interface  string     `json:"interface,omitempty"`
	Gateway    netip.Addr `json:"gateway,omitzero"`
	GatewayMAC string     `json:"gateway_mac,omitempty"`
	Router6    netip.Addr `json:"router6,omitzero"`
	SSID       string     `json:"ssid,omitempty"`
	// Trusted is set when a trusted network matches; TrustedID and
	// TrustedName say which.
	Trusted     bool   `json:"trusted"`
	TrustedID   string `json:"trusted_id,omitempty"`
	TrustedName string `json:"trusted_name,omitempty"`
}

// TrustedNetwork is one network the machine trusts: each identifying field
// that is set must match (GatewayMAC, Router6 when both sides have one,
// SSID).
type TrustedNetwork struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	GatewayMAC string     `json:"gateway_mac,omitempty"`
	Router6    netip.Addr `json:"router6,omitzero"`
	SSID       string     `json:"ssid,omitempty"`
	// Identifies says in words what identifies it ("gateway
	// aa:bb:cc:dd:ee:ff, IPv6 router fe80::1, Wi-Fi \"home\"").
	Identifies string    `json:"identifies"`
	AddedBy    Owner     `json:"added_by"`
	AddedAt    time.Time `json:"added_at"`
	// Warning is set for a network trusted by its SSID alone
	// (SSIDOnlyWarning).
	Warning string `json:"warning,omitempty"`
	// Current: the laptop is on this network now.
	Current bool `json:"current"`
	// Removable: the caller may remove it (an admin, or who added it).
	Removable bool `json:"removable"`
}

// SSIDOnlyWarning is what the API, the CLI and the window say when a
// network is trusted by its Wi-Fi name alone.
const SSIDOnlyWarning = "trusted by its Wi-Fi name alone: anyone nearby can name a Wi-Fi network so and turn the VPN off; trust it by its gateway too (`wgtrayd trusted add current` while on it)"

// TrustRequest is the body of POST /v1/networks/trusted: with Current the
// network the laptop is on now (its gateway's MAC, IPv6 router and SSID;
// refused with CodeUnknownNetwork while it cannot be identified), else
// the fields given. Name is a label ("home"); the SSID or the gateway's
// MAC when empty.
type TrustRequest struct {
	Current    bool   `json:"current,omitempty"`
	GatewayMAC string `json:"gateway_mac,omitempty"`
	SSID       string `json:"ssid,omitempty"`
	Name       string `json:"name,omitempty"`
}

// Owner identifies the user a tunnel belongs to.
type Owner struct {
	UID  string `json:"uid"`
	Name string `json:"name,omitempty"`
}

// CreateRequest is the body of POST /v1/tunnels; UpdateRequest of PUT
// /v1/tunnels/{name}. Config is wg-quick text; secrets in it are dropped by
// the service, which never stores them.
type CreateRequest struct {
	Name      string `json:"name"`
	Config    string `json:"config"`
	PublicKey string `json:"public_key"`
	// Unique takes the first free name of Name, Name-2, Name-3... (see
	// importer.NumberedName) instead of refusing a name that is taken:
	// for names derived from a file name. The answer says which.
	Unique bool `json:"unique,omitempty"`
	// Reserve only checks the request and holds the name the tunnel would
	// get (the answer's Name) for Reservation, a random ID the client
	// picks, for a few minutes; nothing is created, and the answer is 200,
	// not 201. A create with the same Reservation takes that name, while
	// any other create or rename finds it taken. The client stores the
	// keys under the name in between, so that no one is shown a tunnel
	// whose keys are not in the keyring yet, and no other import writes
	// keys under that name.
	Reserve     bool   `json:"reserve,omitempty"`
	Reservation string `json:"reservation,omitempty"`
}

// RenameRequest is the body of POST /v1/tunnels/{name}/rename.
type RenameRequest struct {
	Name string `json:"name"`
}

// UpdateRequest replaces a tunnel's configuration. Keys are the keys of
// the new configuration, for a tunnel that is up: the service applies the
// edit with them at once (and holds them as for Up) and wipes them
// otherwise. Without them a running tunnel keeps the keys it has.
type UpdateRequest struct {
	Config    string     `json:"config"`
	PublicKey string     `json:"public_key"`
	Keys      *UpRequest `json:"keys,omitempty"`
}

// Applied says how an edit reached the tunnel.
type Applied string

const (
	// AppliedSaved: the tunnel is not up; it starts with the edit.
	AppliedSaved Applied = "saved"
	// AppliedUnchanged: the tunnel is up and nothing it runs with changed
	// (scripts, which are never run, or the same text).
	AppliedUnchanged Applied = "unchanged"
	// AppliedLive: peer settings changed on the running device through
	// its UAPI, without a reconnect (the interface stays).
	AppliedLive Applied = "live"
	// AppliedReconnected: interface settings (addresses, DNS, MTU, listen
	// port, private key, FwMark, Table) or the routes changed, so the
	// tunnel was brought down and up again with the edit.
	AppliedReconnected Applied = "reconnected"
)

// UpdateResult is the answer of PUT /v1/tunnels/{name}: the tunnel and how
// the edit reached it.
type UpdateResult struct {
	Tunnel
	Applied Applied `json:"applied"`
}

// UpRequest is the body of POST /v1/tunnels/{name}/up: the keys the service
// holds in memory while the tunnel runs.
type UpRequest struct {
	PrivateKey    Secret            `json:"private_key"`
	PresharedKeys map[string]Secret `json:"preshared_keys,omitempty"` // by peer public key, base64
	// RosenpassSecretKey is the tunnel's Rosenpass secret key (13,608
	// bytes), sent when Rosenpass is on for a peer.
	RosenpassSecretKey []byte `json:"rosenpass_secret_key,omitempty"`
	// Restore: the client brings the tunnel back by itself (at login,
	// after the service restarted), not at the user's word. On a trusted
	// network a tunnel set to networks=untrusted then stays paused with
	// its keys, where a user's up brings it up until the network changes.
	Restore bool `json:"restore,omitempty"`
}

// RosenpassRequest is the body of PUT /v1/tunnels/{name}/rosenpass: it
// turns Rosenpass on for the peer Peer (with the peer's public key and,
// optionally, its Rosenpass endpoint HOST:PORT), or off with Off. PublicKey,
// when set, is the tunnel's own new Rosenpass public key (its secret half
// stays in the owner's keyring); with no Peer only that is stored. It
// takes effect at the next up.
type RosenpassRequest struct {
	PublicKey     []byte `json:"public_key,omitempty"`
	Peer          string `json:"peer,omitempty"`
	PeerPublicKey []byte `json:"peer_public_key,omitempty"`
	Endpoint      string `json:"endpoint,omitempty"`
	Off           bool   `json:"off,omitempty"`
}

// RosenpassKey is the answer of GET /v1/tunnels/{name}/rosenpass: the
// tunnel's Rosenpass public key (524,160 bytes), empty before it has one.
type RosenpassKey struct {
	PublicKey []byte `json:"public_key"`
}

// RosenpassStatus is a peer's post-quantum key exchange. State is
// "waiting", "exchanged" or "stale" while the tunnel runs, "" while it is
// down; Reason says in words why traffic waits.
type RosenpassStatus struct {
	Endpoint     string     `json:"endpoint"`
	State        string     `json:"state,omitempty"`
	Reason       string     `json:"reason,omitempty"`
	LastExchange *time.Time `json:"last_exchange,omitempty"`
}

// Secret is a key in transit. It decodes from base64 straight into its
// array, without an intermediate string, so the service can wipe it.
type Secret importer.Key

// MarshalText encodes the key as base64.
func (s Secret) MarshalText() ([]byte, error) {
	out := make([]byte, base64.StdEncoding.EncodedLen(len(s)))
	base64.StdEncoding.Encode(out, s[:])
	return out, nil
}

var errSecretForm = errors.New("a key is 44 characters of base64 for 32 bytes, as `wg genkey` prints it")

// UnmarshalText decodes base64.
func (s *Secret) UnmarshalText(b []byte) error {
	var buf [33]byte // what 44 characters can decode to
	if len(b) != base64.StdEncoding.EncodedLen(len(s)) {
		return errSecretForm
	}
	n, err := base64.StdEncoding.Decode(buf[:], b)
	if err != nil || n != len(s) {
		clear(buf[:])
		return errSecretForm
	}
	copy(s[:], buf[:n])
	clear(buf[:])
	return nil
}

// Status is the answer of GET /v1/status and the form of `wgtrayd status
// --json`.
type Status struct {
	Tunnels    []TunnelStatus `json:"tunnels"`
	KillSwitch KillSwitch     `json:"killswitch"`
	// Network is the current network and whether it is trusted.
	Network CurrentNetwork `json:"network"`
}

// TunnelStatus is one tunnel with live statistics while it is up. Another
// operator's tunnel has Interface nil and no Peers. Empty and zero fields
// are left out of the JSON (a down tunnel has no handshake and no
// counters), which keeps the answer for many tunnels small and cheap to
// decode; they decode to their zero values.
type TunnelStatus struct {
	Name      string       `json:"name"`
	State     State        `json:"state"`
	Start     StartMode    `json:"start,omitempty"`
	Networks  NetworksMode `json:"networks,omitempty"`
	Paused    string       `json:"paused,omitempty"`
	Error     string       `json:"error,omitempty"`
	NeedsKeys bool         `json:"needs_keys,omitempty"`
	Health
	Interface *InterfaceStatus `json:"interface,omitempty"`
	Peers     []PeerStatus     `json:"peers,omitempty"`
}

// InterfaceStatus describes the tunnel's own end.
type InterfaceStatus struct {
	Name       string         `json:"name,omitempty"` // the OS interface while up
	PublicKey  string         `json:"public_key"`
	ListenPort uint16         `json:"listen_port,omitempty"`
	Addresses  []netip.Prefix `json:"addresses"`
	DNS        []netip.Addr   `json:"dns,omitempty"`
	MTU        int            `json:"mtu,omitempty"`
}

// PeerStatus is one peer. LatestHandshake is nil before the first one.
type PeerStatus struct {
	PublicKey           string         `json:"public_key"`
	Endpoint            string         `json:"endpoint,omitempty"`
	LatestHandshake     *time.Time     `json:"latest_handshake,omitempty"`
	RxBytes             uint64         `json:"rx_bytes,omitempty"`
	TxBytes             uint64         `json:"tx_bytes,omitempty"`
	AllowedIPs          []netip.Prefix `json:"allowed_ips"`
	PersistentKeepalive uint16         `json:"persistent_keepalive,omitempty"`
	// Rosenpass is nil when Rosenpass is off for the peer.
	Rosenpass *RosenpassStatus `json:"rosenpass,omitempty"`
}

// Health is what an up tunnel knows about the network under it; the zero
// Health is all well.
type Health struct {
	// NoNetwork is set while the tunnel has no way to any of its peers:
	// the network under it went away (no route to the endpoints, the link
	// down). It clears once the network is back and a peer answered.
	NoNetwork bool `json:"no_network,omitempty"`
	// Unanswered is set while a peer that was sent traffic has answered
	// nothing for 3 minutes, although the tunnel bound its socket again
	// and started a handshake after 2 (the service's log names the peer).
	Unanswered bool `json:"unanswered,omitempty"`
}

// KillSwitchMode says when the kill switch blocks traffic that does not go
// through a tunnel. The service, its clients and the firewall share it.
type KillSwitchMode string

// The kill-switch modes.
const (
	// KillSwitchOff never blocks anything and leaves no firewall rules.
	KillSwitchOff KillSwitchMode = "off"
	// KillSwitchAuto blocks while a tunnel that routes a default route is
	// in the policy: up, starting, or failed but still meant to be up.
	KillSwitchAuto KillSwitchMode = "auto"
	// KillSwitchAlways blocks even with no tunnel up (lockdown), until the
	// user turns it off.
	KillSwitchAlways KillSwitchMode = "always"
)

// Valid reports whether m is one of the three modes.
func (m KillSwitchMode) Valid() bool {
	return m == KillSwitchOff || m == KillSwitchAuto || m == KillSwitchAlways
}

// ParseKillSwitchMode reads a mode as the user types it.
func ParseKillSwitchMode(s string) (KillSwitchMode, error) {
	if m := KillSwitchMode(s); m.Valid() {
		return m, nil
	}
	return "", fmt.Errorf("unknown kill-switch mode %q: use off, auto or always", s)
}

// KillSwitch is the answer of GET and PUT /v1/killswitch. Active and
// Error say whether blocking rules are in place now, and why applying them
// failed.
//
// Who may change it: an administrator always; an operator unless
// AdminOnly (an administrator locked the setting, or set the lockdown
// mode always, which then only an administrator lifts). Changeable says
// whether the caller may.
type KillSwitch struct {
	Mode     KillSwitchMode `json:"mode"`
	AllowLAN bool           `json:"allow_lan"`
	// Locked: an administrator locked the setting; only an administrator
	// may change it.
	Locked bool `json:"locked"`
	// SetByAdmin: an administrator set the mode last.
	SetByAdmin bool   `json:"set_by_admin"`
	Changeable bool   `json:"changeable"`
	Active     bool   `json:"active"`
	Error      string `json:"error,omitempty"`
}

// AdminOnly reports whether only an administrator may change the setting.
func (k KillSwitch) AdminOnly() bool {
	return k.Locked || (k.Mode == KillSwitchAlways && k.SetByAdmin)
}

// SetKillSwitch is the body of PUT /v1/killswitch. Locked is for
// administrators only; omitted, it stays as it is.
type SetKillSwitch struct {
	Mode     KillSwitchMode `json:"mode"`
	AllowLAN bool           `json:"allow_lan"`
	Locked   *bool          `json:"locked,omitempty"`
}

// EventType says what an Event reports.
type EventType string

const (
	// EventTunnel carries the new state of a tunnel (also sent once per
	// tunnel when the stream opens, then EventReady).
	EventTunnel EventType = "tunnel"
	// EventRemoved says Tunnel.Name is gone.
	EventRemoved EventType = "removed"
	// EventKillSwitch carries new kill-switch settings or state.
	EventKillSwitch EventType = "killswitch"
	// EventReady ends the initial snapshot.
	EventReady EventType = "ready"
	// EventNetwork carries the current network and the trusted list
	// (Networks), after a move or a change of the list; also sent once
	// when the stream opens, before EventReady.
	EventNetwork EventType = "network"
	// EventApplied says an edit reached the running tunnel Tunnel, as
	// Applied says (live or reconnected).
	EventApplied EventType = "applied"
)

// Event is one line of GET /v1/events.
type Event struct {
	Type       EventType   `json:"type"`
	Time       time.Time   `json:"time"`
	Tunnel     *Tunnel     `json:"tunnel,omitempty"`
	KillSwitch *KillSwitch `json:"killswitch,omitempty"`
	Networks   *Networks   `json:"networks,omitempty"`
	Applied    Applied     `json:"applied,omitempty"`
}

// LogEntry is one line of GET /v1/logs. Secrets are redacted before an entry
// is stored.
type LogEntry struct {
	Seq     uint64            `json:"seq"`
	Time    time.Time         `json:"time"`
	Level   string            `json:"level"`
	Message string            `json:"message"`
	Attrs   map[string]string `json:"attrs,omitempty"`
}

// VersionInfo is the answer of GET /v1/version.
type VersionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	API     string `json:"api"`
}

// UpTimeout is the longest the service takes to answer an up: it waits up
// to 30 s for another operation on the tunnel (then answers CodeBusy), up
// to 45 s for the start, and up to 15 s for the kill switch's rules. A
// client waits at least this long for the answer.
const UpTimeout = 100 * time.Second

// ErrorBody is every error answer: {"error":{"code":...,"message":...}}.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail has a stable code and a sentence for the user.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error codes. A client branches on these, never on the message.
const (
	CodeBadRequest       = "bad_request"
	CodeInvalidConfig    = "invalid_config"
	CodeForbidden        = "forbidden"
	CodeNotFound         = "not_found"
	CodeMethodNotAllowed = "method_not_allowed"
	CodeExists           = "exists"
	CodeConflict         = "conflict" // overlapping addresses or routes, or a busy tunnel
	CodeKeyMismatch      = "key_mismatch"
	CodeTooLarge         = "too_large"
	CodeQuota            = "quota" // the caller keeps as many tunnels, or config bytes, as one user may
	CodeUnsupportedMedia = "unsupported_media_type"
	CodeTunnelFailed     = "tunnel_failed"
	CodeBusy             = "busy" // another operation on the tunnel, or too many connections or streams: try again
	// CodeKillSwitchLocked: an operator tried to change a kill-switch
	// setting that only an administrator may change (KillSwitch.AdminOnly).
	CodeKillSwitchLocked = "killswitch_locked"
	// Why a tunnel did not come up, where the user can do something about it.
	CodeEndpointUnresolvable = "endpoint_unresolvable" // a peer's Endpoint host name does not resolve
	CodeNoTUN                = "no_tun"                // the OS offers no TUN device
	CodeAddressConflict      = "address_conflict"      // an address is on another interface already
	CodeRouteConflict        = "route_conflict"        // a route goes through another interface already
	CodeNoPrivateKey         = "no_private_key"        // the config has no private key
	// The machine has no secret store to seal the keys of a tunnel that
	// starts at boot, or it failed.
	CodeNoMachineStore = "no_machine_store"
	// CodeUnknownNetwork: trusting the current network was asked while
	// the service cannot identify it (no default route, or the gateway's
	// MAC address is not known).
	CodeUnknownNetwork = "unknown_network"
	CodeInternal       = "internal"
)
