package app

import (
	"context"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
)

// Service is what the app needs from wgtrayd: *client.Client with the
// user's keyring in the desktop, a fake in tests. Every method may block on
// the network, so the app calls them off the UI thread only.
type Service interface {
	// Status lists every tunnel (name "") with live statistics.
	Status(ctx context.Context, name string) (api.Status, error)
	// Events calls fn for every state change until ctx ends or the
	// connection breaks. The stream opens with one EventTunnel per tunnel,
	// the kill switch, the network (EventNetwork), and EventReady.
	Events(ctx context.Context, fn func(api.Event)) error
	// Import stores a new tunnel; its secrets go to the keyring.
	Import(ctx context.Context, name string, cfg *importer.Config) (api.Tunnel, error)
	// ImportDerived is Import under the first free name of name, name-2,
	// name-3... (a name derived from a file name); the answer has the name.
	ImportDerived(ctx context.Context, name string, cfg *importer.Config) (api.Tunnel, error)
	// Rename renames a tunnel that is down and moves its keys with it.
	Rename(ctx context.Context, name, newName string) (api.Tunnel, error)
	// Update replaces a tunnel's configuration and its keyring secrets; a
	// running tunnel takes it at once (the answer says how).
	Update(ctx context.Context, name string, cfg *importer.Config) (api.UpdateResult, error)
	// Delete removes a tunnel and its keyring entries.
	Delete(ctx context.Context, name string) error
	// Export returns a tunnel's full configuration, keys from the keyring.
	Export(ctx context.Context, name string) (*importer.Config, error)
	// Up starts a tunnel with its keys from the keyring; Down stops it.
	Up(ctx context.Context, name string) (api.Tunnel, error)
	Down(ctx context.Context, name string) (api.Tunnel, error)
	// SetStart sets when a tunnel starts: manual, at login or at boot
	// (its keys then go to the service, sealed for this machine).
	SetStart(ctx context.Context, name string, mode api.StartMode) (api.Tunnel, error)
	// SetSettings changes a tunnel's settings: those set in req (start,
	// networks); the others stay.
	SetSettings(ctx context.Context, name string, req api.SettingsRequest) (api.Tunnel, error)
	// Networks is the current network and the machine's trusted networks.
	Networks(ctx context.Context) (api.Networks, error)
	// Trust adds a trusted network (req.Current: the one the computer is
	// on); Distrust removes one by its ID.
	Trust(ctx context.Context, req api.TrustRequest) (api.TrustedNetwork, error)
	Distrust(ctx context.Context, id string) error
	// Restore sends the keys again for tunnels the service wants up but
	// holds no keys for (it restarted), brings up those that start at
	// login, and returns their names.
	Restore(ctx context.Context) ([]string, error)
	// SetKillSwitch changes the kill-switch settings.
	SetKillSwitch(ctx context.Context, mode api.KillSwitchMode, allowLAN bool) (api.KillSwitch, error)
	// RosenpassOn turns Rosenpass on for a peer (its public key, the
	// server's pqpk file; endpoint HOST:PORT or "" for the peer's host and
	// port 9999); RosenpassOff turns it off. Both take effect at the next up.
	RosenpassOn(ctx context.Context, name, peer string, peerKey []byte, endpoint string) (api.Tunnel, error)
	RosenpassOff(ctx context.Context, name, peer string) (api.Tunnel, error)
	// RosenpassPublicKey is the tunnel's own Rosenpass public key, made on
	// first use, for the server's admin.
	RosenpassPublicKey(ctx context.Context, name string) ([]byte, error)
	// FollowLogs calls fn for every entry of the service log, oldest
	// first, then for new ones until ctx ends.
	FollowLogs(ctx context.Context, fn func(api.LogEntry)) error
}
