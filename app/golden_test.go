package app

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"fyne.io/fyne/v2"
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
	// 45 seconds of traffic: a download, a pause with only a keepalive,
	// then as much sent as received.
	hs := epoch.Add(-63 * time.Second)
	var rx, tx uint64
	for i := range 45 {
		switch {
		case i < 15:
			rx += uint64(600+50*i) << 10
			tx += 24 << 10
		case i == 25:
			rx += 32
			tx += 32
		case i >= 30:
			rx += 300 << 10
			tx += 300 << 10
		}
		svc.setStats("office", []api.PeerStatus{{
			PublicKey: office.Peers[0].PublicKey.String(), Endpoint: "198.51.100.7:51820",
			LatestHandshake: &hs, RxBytes: rx, TxBytes: tx, PersistentKeepalive: 25,
			AllowedIPs: office.Peers[0].AllowedIPs,
		}})
		h.pollNow()
		h.advance(time.Second)
	}
	return h
}

func TestMainWindowTunnelsGolden(t *testing.T) {
	for _, tc := range []struct {
		size   fyne.Size
		golden string
	}{
		{fyne.NewSize(920, 720), "tunnels"}, // the default
		{fyne.NewSize(800, 600), "tunnels_800x600"},
		{fyne.NewSize(1600, 1000), "tunnels_1600x1000"},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			h := goldenHarness(t)
			h.app.Window().Resize(tc.size)
			c := h.app.Window().Canvas()
			test.AssertRendersToMarkup(t, tc.golden+".xml", c)
			test.AssertRendersToImage(t, tc.golden+".png", c)
		})
	}
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

// While the service is away, the tunnels it listed stay, their state
// unknown, and the banner pushes the tabs down.
func TestServiceDownWithTunnelsGolden(t *testing.T) {
	svc := newFakeService()
	svc.add("home", fixedConfig(1, "10.7.0.2/32"), api.StateDown)
	svc.add("office", fixedConfig(2, "10.8.0.2/32"), api.StateUp)
	h := newHarness(t, svc)
	h.ready()
	h.app.Window().Resize(fyne.NewSize(920, 720))
	h.app.ui.list.Select(1)
	h.settle()
	svc.setDown(true)
	h.waitFor("the banner", func() bool { return h.app.ui.banner.Visible() })
	h.settle()
	test.AssertRendersToImage(t, "service_down_tunnels.png", h.app.Window().Canvas())
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

// inView says whether o lies wholly inside the window's canvas.
func inView(c fyne.Canvas, o fyne.CanvasObject) bool {
	pos := fyne.CurrentApp().Driver().AbsolutePositionForObject(o)
	size := c.Size()
	return o.Visible() && pos.X >= 0 && pos.Y >= 0 &&
		pos.X+o.Size().Width <= size.Width && pos.Y+o.Size().Height <= size.Height
}

func TestDetailsKeepHeaderActionsAndGraphInViewAtEverySize(t *testing.T) {
	for _, tc := range []struct {
		size  fyne.Size
		peers int
		fits  bool // every peer shown without scrolling
	}{
		// The default size less the main menu, which the desktop draws
		// inside the window (29 px) and the test driver does not.
		{fyne.NewSize(920, 720-32), 1, true},
		{fyne.NewSize(920, 720), 4, false},
		{fyne.NewSize(800, 600), 1, false},
		{fyne.NewSize(1600, 1000), 2, true},
	} {
		t.Run(fmt.Sprintf("%vx%v_%d_peers", tc.size.Width, tc.size.Height, tc.peers), func(t *testing.T) {
			svc := newFakeService()
			cfg := fixedConfig(2, "10.8.0.2/32")
			for i := 1; i < tc.peers; i++ {
				p := fixedConfig(byte(10+i), "10.8.0.2/32").Peers[0]
				p.AllowedIPs = []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 20, byte(i), 0}), 24)}
				cfg.Peers = append(cfg.Peers, p)
			}
			cfg.Peers[0].AllowedIPs = []netip.Prefix{netip.MustParsePrefix("10.20.0.0/24")}
			svc.add("home", fixedConfig(1, "10.7.0.2/32"), api.StateDown)
			svc.add("office", cfg, api.StateDown)
			h := newHarness(t, svc)
			h.ready()
			w := h.app.Window()
			w.Resize(tc.size)
			h.app.ui.list.Select(1)
			h.settle()
			d := h.app.ui.details
			c := w.Canvas()
			for name, o := range map[string]fyne.CanvasObject{
				"name": d.name, "Activate": d.toggle, "Edit": d.edit, "Export": d.export, "Remove": d.remove, "graph": d.graph,
			} {
				if !inView(c, o) {
					t.Errorf("%s is not wholly in view", name)
				}
			}
			if d.graph.Size().Height < 72 {
				t.Errorf("the graph is %v high", d.graph.Size().Height)
			}
			scroll := d.peerScroll
			if fits := scroll.Content.Size().Height <= scroll.Size().Height; fits != tc.fits {
				t.Errorf("peers fit without scrolling: %v, want %v (%v in %v)", fits, tc.fits, scroll.Content.Size().Height, scroll.Size().Height)
			}
			// The label columns of the interface and of every peer line up.
			x := func(o fyne.CanvasObject) float32 {
				return fyne.CurrentApp().Driver().AbsolutePositionForObject(o).X + o.Size().Width
			}
			for _, l := range d.labels[1:] {
				if x(l) != x(d.labels[0]) {
					t.Errorf("label %q ends at %v, %q at %v", l.Text, x(l), d.labels[0].Text, x(d.labels[0]))
				}
			}
			if !tc.fits {
				// Scrolled down, another tunnel shows from its top.
				scroll.ScrollToBottom()
				h.app.ui.list.Select(0)
				h.settle()
				h.app.ui.list.Select(1)
				h.settle()
				if scroll.Offset.Y != 0 {
					t.Errorf("another tunnel's peers are shown scrolled to %v", scroll.Offset.Y)
				}
			}
		})
	}
}

// inGerman runs the rest of the test with the window's texts in German, as
// a desktop with LANG=de_DE.UTF-8 has them.
func inGerman(t *testing.T) {
	// Cleanups run last first: this one after the environment is back.
	t.Cleanup(func() {
		if err := loadTranslations(); err != nil {
			t.Error(err)
		}
	})
	for _, v := range []string{"LANGUAGE", "LC_ALL", "LC_MESSAGES"} {
		t.Setenv(v, "")
	}
	t.Setenv("LANG", "de_DE.UTF-8")
	if err := loadTranslations(); err != nil {
		t.Fatal(err)
	}
}

func TestMainWindowInGermanGolden(t *testing.T) {
	inGerman(t)
	h := goldenHarness(t)
	h.app.Window().Resize(fyne.NewSize(920, 720))
	c := h.app.Window().Canvas()
	test.AssertRendersToMarkup(t, "tunnels_de.xml", c)
	test.AssertRendersToImage(t, "tunnels_de.png", c)
}

// The Networks tab on a trusted network: one network trusted by its
// gateway and Wi-Fi name (this one), one by its Wi-Fi name alone (warned)
// that another user added and this one may not remove.
func TestMainWindowNetworksGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		german bool
	}{{"networks", false}, {"networks_de", true}} {
		t.Run(tc.golden, func(t *testing.T) {
			if tc.german {
				inGerman(t)
			}
			svc := newFakeService()
			svc.moveTo(api.CurrentNetwork{Known: true, Interface: "wlan0", GatewayMAC: "02:00:5e:10:00:01", SSID: "home",
				Router6: netip.MustParseAddr("fe80::1")})
			svc.addTrusted(api.TrustedNetwork{ID: "n1", Name: "home", GatewayMAC: "02:00:5e:10:00:01", SSID: "home",
				Router6: netip.MustParseAddr("fe80::1"), AddedBy: api.Owner{UID: "1000", Name: "me"}, AddedAt: epoch.Add(-50 * time.Hour)})
			svc.addTrusted(api.TrustedNetwork{ID: "n2", Name: "cafe", SSID: "cafe", Warning: api.SSIDOnlyWarning,
				AddedBy: api.Owner{UID: "1001", Name: "anna"}, AddedAt: epoch.Add(-30 * time.Hour)})
			h := newHarness(t, svc)
			h.ready()
			h.app.Window().Resize(fyne.NewSize(920, 720))
			h.app.ui.tabs.SelectIndex(2)
			h.settle()
			c := h.app.Window().Canvas()
			test.AssertRendersToMarkup(t, tc.golden+".xml", c)
			test.AssertRendersToImage(t, tc.golden+".png", c)
		})
	}
}
