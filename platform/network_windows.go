package platform

import (
	"errors"
	"log/slog"
	"runtime"
)

// ErrNetworkUnsupported: this OS has no network backend for tunnels yet.
var ErrNetworkUnsupported = errors.New("tunnels are not available on " + runtime.GOOS + " yet")

// ApplyNetwork configures the tunnel's addresses and routes.
func ApplyNetwork(NetworkConfig) (Network, error) { return nil, ErrNetworkUnsupported }

// ApplyDNS configures the tunnel's DNS.
func ApplyDNS(DNSConfig, *slog.Logger) (DNS, error) { return nil, ErrNetworkUnsupported }

// RecoverNetwork has nothing to undo here: ApplyNetwork changes nothing on
// this OS.
func RecoverNetwork(string, *slog.Logger) error { return nil }

// WatchNetwork reports changes of routes and addresses.
func WatchNetwork(string, <-chan struct{}) (<-chan struct{}, error) {
	return nil, ErrNetworkUnsupported
}
