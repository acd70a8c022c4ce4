package importer

import (
	"net/netip"
	"slices"
	"strings"
	"testing"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun"
	"golang.zx2c4.com/wireguard/tun/tuntest"
)

// downTUN is a TUN that never reports itself up, so the device under test
// never opens a socket or sends a packet.
type downTUN struct{ tun.Device }

func (downTUN) Events() <-chan tun.Event { return nil }

func mustKey(t *testing.T) Key {
	t.Helper()
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestUAPIConfiguresWireguardGoDevice(t *testing.T) {
	priv, psk := mustKey(t), mustKey(t)
	peerA, peerB, peerC := mustKey(t).Public(), mustKey(t).Public(), mustKey(t).Public()
	cfg := &Config{
		Interface: Interface{PrivateKey: priv, ListenPort: 51820, FwMark: 0x1234},
		Peers: []Peer{
			{
				PublicKey:           peerA,
				PresharedKey:        psk,
				AllowedIPs:          []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24"), netip.MustParsePrefix("fd00::/64")},
				Endpoint:            Endpoint{Host: "vpn.example.org", Port: 51820},
				PersistentKeepalive: 25,
			},
			{
				PublicKey:  peerB,
				AllowedIPs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")},
				Endpoint:   Endpoint{Host: "2001:db8::1", Port: 4500},
			},
			{
				PublicKey:  peerC,
				AllowedIPs: []netip.Prefix{netip.MustParsePrefix("192.168.7.1/32")},
				Endpoint:   Endpoint{Host: "unresolved.example.org", Port: 1},
			},
		},
	}
	endpoints := map[Key]netip.AddrPort{peerA: netip.MustParseAddrPort("192.0.2.7:51820")}

	dev := device.NewDevice(downTUN{tuntest.NewChannelTUN().TUN()}, conn.NewDefaultBind(), device.NewLogger(device.LogLevelSilent, ""))
	t.Cleanup(dev.Close)
	if err := dev.IpcSet(cfg.UAPI(endpoints)); err != nil {
		t.Fatalf("IpcSet rejected the UAPI text: %v", err)
	}
	got, err := dev.IpcGet()
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(got, "\n")
	want := []string{
		"private_key=" + priv.Hex(),
		"listen_port=51820",
		"fwmark=4660",
		"public_key=" + peerA.Hex(),
		"preshared_key=" + psk.Hex(),
		"endpoint=192.0.2.7:51820",
		"persistent_keepalive_interval=25",
		"allowed_ip=10.0.0.0/24",
		"allowed_ip=fd00::/64",
		"public_key=" + peerB.Hex(),
		"endpoint=[2001:db8::1]:4500",
		"allowed_ip=0.0.0.0/0",
		"allowed_ip=::/0",
		"public_key=" + peerC.Hex(),
		"allowed_ip=192.168.7.1/32",
	}
	for _, w := range want {
		if !slices.Contains(lines, w) {
			t.Errorf("IpcGet lacks %q", w)
		}
	}
	if n := strings.Count(got, "endpoint="); n != 2 {
		t.Errorf("IpcGet has %d endpoints, want 2 (the unresolved host name gets none)", n)
	}
}

func TestUAPIReplacesPeersAndAllowedIPs(t *testing.T) {
	dev := device.NewDevice(downTUN{tuntest.NewChannelTUN().TUN()}, conn.NewDefaultBind(), device.NewLogger(device.LogLevelSilent, ""))
	t.Cleanup(dev.Close)
	old, kept := mustKey(t).Public(), mustKey(t).Public()
	first := &Config{Interface: Interface{PrivateKey: mustKey(t)}, Peers: []Peer{
		{PublicKey: old, AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.1.0.0/16")}},
		{PublicKey: kept, AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.2.0.0/16")}},
	}}
	second := &Config{Interface: first.Interface, Peers: []Peer{
		{PublicKey: kept, AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.3.0.0/16")}},
	}}
	for _, c := range []*Config{first, second} {
		if err := dev.IpcSet(c.UAPI(nil)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := dev.IpcGet()
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{old.Hex(), "10.2.0.0/16", "10.1.0.0/16"} {
		if strings.Contains(got, gone) {
			t.Errorf("after the second IpcSet the device still has %s", gone)
		}
	}
	if !strings.Contains(got, "allowed_ip=10.3.0.0/16") {
		t.Error("the second IpcSet's allowed IP is missing")
	}
}
