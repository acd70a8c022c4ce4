package importer

import (
	"bytes"
	"fmt"
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
	if err := dev.IpcSetOperation(bytes.NewReader(cfg.UAPI(endpoints))); err != nil {
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
		if err := dev.IpcSetOperation(bytes.NewReader(c.UAPI(nil))); err != nil {
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

// A config bigger than UAPI's first guess makes the text grow: the result is
// still whole, and every array left behind is cleared, so the text the
// caller clears is the only copy of the keys.
func TestUAPIGrowsWithoutLeavingKeysBehind(t *testing.T) {
	cfg := &Config{Interface: Interface{PrivateKey: mustKey(t)}}
	for i := range 20 {
		p := Peer{PublicKey: mustKey(t).Public(), PresharedKey: mustKey(t)}
		for j := range 40 {
			p.AllowedIPs = append(p.AllowedIPs, netip.MustParsePrefix(fmt.Sprintf("fd00:%x:%x::/48", i, j)))
		}
		cfg.Peers = append(cfg.Peers, p)
	}
	var grown [][]byte
	text := uapiText{b: make([]byte, 0, 16)}
	for range 200 {
		before := text.b
		text.line("private_key", []byte(cfg.Interface.PrivateKey.Hex()))
		if cap(text.b) != cap(before) {
			grown = append(grown, before[:cap(before)])
		}
	}
	if len(grown) == 0 {
		t.Fatal("the text never grew")
	}
	for _, old := range grown {
		if !bytes.Equal(old, make([]byte, len(old))) {
			t.Fatal("an array the text outgrew still holds the key")
		}
	}

	uapi := cfg.UAPI(nil)
	if len(uapi) < 256+256*len(cfg.Peers) {
		t.Fatalf("the text is %d bytes, too small to test its growth", len(uapi))
	}
	dev := device.NewDevice(downTUN{tuntest.NewChannelTUN().TUN()}, conn.NewDefaultBind(), device.NewLogger(device.LogLevelSilent, ""))
	t.Cleanup(dev.Close)
	if err := dev.IpcSetOperation(bytes.NewReader(uapi)); err != nil {
		t.Fatal(err)
	}
	got, err := dev.IpcGet()
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(got, "allowed_ip="); n != 20*40 {
		t.Errorf("the device has %d allowed IPs, want %d", n, 20*40)
	}
}
