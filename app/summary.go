package app

import (
	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
)

// configSummary describes a tunnel that is not up from its stored
// configuration, in the shape of live statistics.
func configSummary(t api.Tunnel) (api.InterfaceStatus, []api.PeerStatus) {
	iface := api.InterfaceStatus{PublicKey: t.PublicKey}
	if t.Config == "" {
		return iface, nil
	}
	cfg, err := importer.ParseRedacted(t.Name+".conf", []byte(t.Config))
	if err != nil {
		return iface, nil
	}
	iface.ListenPort = cfg.Interface.ListenPort
	iface.Addresses = cfg.Interface.Addresses
	iface.DNS = cfg.Interface.DNS
	peers := make([]api.PeerStatus, len(cfg.Peers))
	for i, p := range cfg.Peers {
		peers[i] = api.PeerStatus{
			PublicKey:           p.PublicKey.String(),
			Endpoint:            p.Endpoint.String(),
			AllowedIPs:          p.AllowedIPs,
			PersistentKeepalive: p.PersistentKeepalive,
		}
	}
	return iface, peers
}
