package app

import (
	"net/netip"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
)

// fixedConfig is a config with keys derived from seed, so goldens are
// stable.
func fixedConfig(seed byte, address string) *importer.Config {
	var priv, peer importer.Key
	for i := range priv {
		priv[i], peer[i] = seed+byte(i), seed*3+byte(i)
	}
	priv[0] &= 248
	priv[31] = (priv[31] & 127) | 64
	return &importer.Config{
		Interface: importer.Interface{
			PrivateKey: priv,
			ListenPort: 51820,
			Addresses:  []netip.Prefix{netip.MustParsePrefix(address)},
			DNS:        []netip.Addr{netip.MustParseAddr("10.64.0.1")},
		},
		Peers: []importer.Peer{{
			PublicKey:  peer.Public(),
			AllowedIPs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")},
			Endpoint:   importer.Endpoint{Host: "198.51.100.7", Port: 51820},
		}},
	}
}

func goldenHarness(t *testing.T) *harness {
	svc := newFakeService()
	svc.add("home", fixedConfig(1, "10.7.0.2/32"), api.StateDown)
	office := fixedConfig(2, "10.8.0.2/32")
	svc.add("office", office, api.StateUp)
	h := newHarness(t, svc)
	h.ready()
	h.app.selected = "office"
	hs := epoch.Add(-63 * time.Second)
	for i, rx := range []uint64{1 << 20, 3 << 20, 4 << 20, 7 << 20, 8 << 20} {
		svc.setStats("office", []api.PeerStatus{{
			PublicKey: office.Peers[0].PublicKey.String(), Endpoint: "198.51.100.7:51820",
			LatestHandshake: &hs, RxBytes: rx, TxBytes: uint64(i) << 18,
			AllowedIPs: office.Peers[0].AllowedIPs,
		}})
		h.pollNow()
		h.advance(time.Second)
	}
	return h
}

func TestMainWindowTunnelsGolden(t *testing.T) {
	h := goldenHarness(t)
	c := h.app.Window().Canvas()
	test.AssertRendersToMarkup(t, "tunnels.xml", c)
	test.AssertRendersToImage(t, "tunnels.png", c)
}

func TestMainWindowKillSwitchGolden(t *testing.T) {
	h := goldenHarness(t)
	h.app.ui.tabs.SelectIndex(1)
	test.AssertRendersToMarkup(t, "killswitch.xml", h.app.Window().Canvas())
}

func TestServiceDownBannerGolden(t *testing.T) {
	svc := newFakeService()
	svc.setDown(true)
	h := newHarness(t, svc)
	h.waitFor("the banner", func() bool { return h.app.ui.banner.Visible() })
	h.settle()
	test.AssertRendersToMarkup(t, "service_down.xml", h.app.Window().Canvas())
}

func TestEditorWithErrorGolden(t *testing.T) {
	h := newHarness(t, newFakeService())
	h.ready()
	text := fixedConfig(4, "10.9.0.2/32").String()
	e := h.app.openEditor("", text+"Bogus = 1\n")
	e.name.SetText("lab")
	c := e.win.Canvas()
	test.AssertRendersToMarkup(t, "editor_error.xml", c)
	test.AssertRendersToImage(t, "editor_error.png", c)
}
