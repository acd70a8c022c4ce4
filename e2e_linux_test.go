package main

import (
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wgtray/wgtray/app/desktoptest"
	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/internal/testnet"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

// Addresses inside the namespaces this test creates.
const (
	e2eServiceVeth = "10.243.0.2/24"
	e2ePeerVeth    = "10.243.0.1/24"
	e2ePeerTunnel  = "10.244.0.1/24"
	e2eTunnelAddr  = "10.244.0.2/32"
)

// TestQRImportTrayActivationAndScreenshot is the whole desktop path: the
// real service runs in a namespace with a real WireGuard peer in another;
// wgtray imports a QR code image (keys into a real gnome-keyring), the
// tunnel is switched on from the tray menu over D-Bus as a panel would,
// and the window then shows it up with a recent handshake and moving
// counters. The screenshot is kept in test-artifacts/.
func TestQRImportTrayActivationAndScreenshot(t *testing.T) {
	testnet.RequireRoot(t)
	d := newDesktop(t, true)
	watcher, err := desktoptest.Start(d.bus)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { watcher.Close() })

	svcNS, cfg := peerTunnel(t)
	socket, status, service := startService(t, svcNS)
	name := testnet.UniqueName("gui")
	qr := filepath.Join(t.TempDir(), name+".png")
	png, err := desktoptest.QRCode(cfg.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(qr, png, 0o600); err != nil {
		t.Fatal(err)
	}

	g := startGUI(t, d.env("WGTRAY_SOCKET="+socket), qr)
	item, err := watcher.WaitItem(60 * time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, g.out)
	}
	menu := menuLabels(t, watcher, item, func(m []desktoptest.MenuItem) bool {
		it, ok := labelled(m, name)
		return ok && it.Enabled && !it.Checked
	})
	entry, _ := labelled(menu, name)
	if err := watcher.Click(item, entry.ID); err != nil {
		t.Fatal(err)
	}
	menuLabels(t, watcher, item, func(m []desktoptest.MenuItem) bool {
		it, ok := labelled(m, name)
		return ok && it.Checked
	})

	var first api.PeerStatus
	waitFor(t, 30*time.Second, "a handshake and traffic both ways", func() bool {
		p, ok := peerStatus(t, status, name)
		first = p
		return ok && p.LatestHandshake != nil && p.RxBytes > 0 && p.TxBytes > 0
	})
	// Traffic through the tunnel for the graph, while the window refreshes
	// every second; then the counters must have moved.
	peerAddr := netip.MustParsePrefix(e2ePeerTunnel).Addr().String()
	ping := svcNS.Start(t, nil, "ping", "-q", "-s", "1200", "-i", "0.1", "-c", "60", peerAddr)
	if err := ping.Wait(20 * time.Second); err != nil {
		t.Errorf("ping %s through the tunnel: %v\n%s", peerAddr, err, ping.Output())
	}
	now, _ := peerStatus(t, status, name)
	if now.RxBytes <= first.RxBytes || now.TxBytes <= first.TxBytes {
		t.Errorf("counters did not move: rx %d→%d, tx %d→%d", first.RxBytes, now.RxBytes, first.TxBytes, now.TxBytes)
	}
	if age := time.Since(*now.LatestHandshake); age > time.Minute {
		t.Errorf("latest handshake %v ago", age)
	}
	shot := filepath.Join("test-artifacts", "gui-e2e.png")
	screenshot(t, d, "wgtray", shot)
	t.Logf("screenshot: %s", shot)
	if t.Failed() {
		t.Logf("wgtrayd output:\n%s", service.Output())
	}
}

// peerTunnel makes a namespace for the service, linked to another where a
// real WireGuard peer runs, and the config of a tunnel to that peer.
func peerTunnel(t *testing.T) (*testnet.Namespace, *importer.Config) {
	t.Helper()
	svcNS, peerNS := testnet.NewNamespace(t), testnet.NewNamespace(t)
	svcNS.WriteEtc(t, "resolv.conf", "nameserver 192.0.2.53\n")
	testnet.Connect(t, svcNS, peerNS, e2eServiceVeth, e2ePeerVeth)
	peer := testnet.StartPeer(t, peerNS, testnet.PeerConfig{Addresses: []string{e2ePeerTunnel}})
	key, err := importer.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	peer.AddPeer(t, key.Public(), []string{e2eTunnelAddr})
	return svcNS, &importer.Config{
		Interface: importer.Interface{PrivateKey: key, Addresses: []netip.Prefix{netip.MustParsePrefix(e2eTunnelAddr)}},
		Peers: []importer.Peer{{
			PublicKey:           peer.PublicKey,
			Endpoint:            peer.Endpoint(netip.MustParsePrefix(e2ePeerVeth).Addr().String()),
			AllowedIPs:          []netip.Prefix{netip.MustParsePrefix(e2ePeerTunnel).Masked()},
			PersistentKeepalive: 1,
		}},
	}
}

// startService runs wgtrayd in ns and waits until it answers; the client
// it returns has no keys and serves to watch the service.
func startService(t testing.TB, ns *testnet.Namespace) (string, *client.Client, *testnet.Process) {
	t.Helper()
	_, daemon := binaries(t)
	base := t.TempDir()
	socket := filepath.Join(base, "run", "wgtray.sock")
	service := ns.Start(t, []string{"WGTRAY_STATE_DIR=" + filepath.Join(base, "state"), "WGTRAY_SOCKET=" + socket}, daemon, "run")
	c := client.New(socket, client.FileKeyStore(filepath.Join(base, "unused-keys")))
	waitFor(t, 15*time.Second, "the service to answer", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := c.Version(ctx)
		return err == nil
	})
	return socket, c, service
}

// peerStatus is the first peer of tunnel name as the service reports it.
func peerStatus(t *testing.T, c *client.Client, name string) (api.PeerStatus, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	st, err := c.Status(ctx, name)
	if err != nil || len(st.Tunnels) != 1 || st.Tunnels[0].State != api.StateUp || len(st.Tunnels[0].Peers) == 0 {
		return api.PeerStatus{}, false
	}
	return st.Tunnels[0].Peers[0], true
}

func waitFor(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
