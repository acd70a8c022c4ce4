package service

import (
	"context"
	"log/slog"
	"net/netip"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/tunnel"
)

// tunnelEngine runs tunnels with the tunnel package.
type tunnelEngine struct {
	opts tunnel.Options
}

func (e tunnelEngine) Start(ctx context.Context, name string, cfg *importer.Config, rc *tunnel.RosenpassConfig, beforeTraffic func(string, uint32, []netip.AddrPort), onHealth func(tunnel.Health)) (running, error) {
	opts := e.opts
	opts.BeforeTraffic, opts.Rosenpass, opts.OnHealth = beforeTraffic, rc, onHealth
	t, err := tunnel.Start(ctx, name, cfg, opts)
	if err != nil {
		return nil, err
	}
	return runningTunnel{t}, nil
}

type runningTunnel struct{ *tunnel.Tunnel }

func (r runningTunnel) Stats() (liveStats, error) {
	s, err := r.Tunnel.Stats()
	if err != nil {
		return liveStats{}, err
	}
	ls := liveStats{PublicKey: s.PublicKey, ListenPort: s.ListenPort, Peers: make([]livePeer, 0, len(s.Peers)), Rosenpass: r.Rosenpass()}
	for _, p := range s.Peers {
		ls.Peers = append(ls.Peers, livePeer{
			PublicKey:       p.PublicKey,
			Endpoint:        p.Endpoint,
			LatestHandshake: p.LatestHandshake,
			RxBytes:         p.RxBytes,
			TxBytes:         p.TxBytes,
		})
	}
	return ls, nil
}

func newTunnelEngine(log *slog.Logger, recoveryDir string) tunnelEngine {
	return tunnelEngine{opts: tunnel.Options{Logger: log, StateDir: recoveryDir}}
}
