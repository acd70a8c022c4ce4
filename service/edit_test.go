package service

import (
	"net/netip"
	"testing"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
)

func TestEditKindSortsPeerFromInterfaceChanges(t *testing.T) {
	base := func() *importer.Config {
		return &importer.Config{
			Interface: importer.Interface{PrivateKey: importer.Key{1}, Addresses: []netip.Prefix{netip.MustParsePrefix("10.0.0.2/32")}},
			Peers: []importer.Peer{{
				PublicKey: importer.Key{2}, Endpoint: importer.Endpoint{Host: "192.0.2.1", Port: 51820},
				AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")}, PersistentKeepalive: 25,
			}},
		}
	}
	tests := []struct {
		name string
		edit func(c *importer.Config)
		want api.Applied
	}{
		{"nothing", func(*importer.Config) {}, api.AppliedUnchanged},
		{"scripts only", func(c *importer.Config) { c.Interface.PostUp = []string{"true"} }, api.AppliedUnchanged},
		{"keepalive", func(c *importer.Config) { c.Peers[0].PersistentKeepalive = 20 }, api.AppliedLive},
		{"endpoint", func(c *importer.Config) { c.Peers[0].Endpoint.Port = 51821 }, api.AppliedLive},
		{"preshared key", func(c *importer.Config) { c.Peers[0].PresharedKey = importer.Key{3} }, api.AppliedLive},
		{"allowed IPs within the same routes", func(c *importer.Config) {
			c.Peers[0].AllowedIPs = append(c.Peers[0].AllowedIPs, netip.MustParsePrefix("10.0.0.0/24"))
		}, api.AppliedLive},
		{"Table = off", func(c *importer.Config) {
			c.Interface.Table.Off = true
		}, api.AppliedReconnected},
		{"peer added", func(c *importer.Config) {
			c.Peers = append(c.Peers, importer.Peer{PublicKey: importer.Key{4}, AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.5.0.0/24")}})
		}, api.AppliedLive},
		{"peer removed", func(c *importer.Config) { c.Peers = nil }, api.AppliedLive},
		{"default route added", func(c *importer.Config) {
			c.Peers[0].AllowedIPs = append(c.Peers[0].AllowedIPs, netip.MustParsePrefix("0.0.0.0/0"))
		}, api.AppliedReconnected},
		{"address", func(c *importer.Config) { c.Interface.Addresses[0] = netip.MustParsePrefix("10.0.0.3/32") }, api.AppliedReconnected},
		{"DNS", func(c *importer.Config) { c.Interface.DNS = []netip.Addr{netip.MustParseAddr("10.0.0.1")} }, api.AppliedReconnected},
		{"MTU", func(c *importer.Config) { c.Interface.MTU = 1280 }, api.AppliedReconnected},
		{"listen port", func(c *importer.Config) { c.Interface.ListenPort = 51000 }, api.AppliedReconnected},
		{"private key", func(c *importer.Config) { c.Interface.PrivateKey = importer.Key{9} }, api.AppliedReconnected},
		{"routes", func(c *importer.Config) { c.Peers[0].AllowedIPs[0] = netip.MustParsePrefix("10.1.0.0/24") }, api.AppliedLive},
	}
	for _, tt := range tests {
		old, edited := base(), base()
		tt.edit(edited)
		if got := editKind(old, edited); got != tt.want {
			t.Errorf("%s: editKind = %s, want %s", tt.name, got, tt.want)
		}
	}
}
