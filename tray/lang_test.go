package tray

import (
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/app/translations"
	"github.com/wgtray/wgtray/service/api"
)

// inLanguage makes the tray speak the language of the locale for the rest
// of the test, as the agent does from LANG at start.
func inLanguage(t *testing.T, env map[string]string) {
	prev := tr
	tr = translations.Lookup(translations.Preferred(func(k string) string { return env[k] }))
	t.Cleanup(func() { tr = prev })
}

func TestTrayMenuAndTooltipFollowTheLocale(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	for _, c := range []struct {
		env                    map[string]string
		quit, tooltip, offline string
		paused                 string
	}{
		{map[string]string{"LANG": "de_DE.UTF-8"}, "Beenden", "home: verbindet…", "wgtray: der Dienst läuft nicht (starten mit: sudo wgtrayd start)", "office: pausiert, vertrauenswürdiges Netzwerk home"},
		{map[string]string{"LANG": "C.UTF-8", "LANGUAGE": "de"}, "Quit", "home: connecting…", "wgtray: the service is not running (start it with: sudo wgtrayd start)", "office: paused, trusted network home"},
		{map[string]string{"LANG": "en_US.UTF-8", "LANGUAGE": "fr:de"}, "Beenden", "home: verbindet…", "wgtray: der Dienst läuft nicht (starten mit: sudo wgtrayd start)", "office: pausiert, vertrauenswürdiges Netzwerk home"},
		{map[string]string{"LANG": "C"}, "Quit", "home: connecting…", "wgtray: the service is not running (start it with: sudo wgtrayd start)", "office: paused, trusted network home"},
	} {
		t.Run(c.env["LANG"]+"/"+c.env["LANGUAGE"], func(t *testing.T) {
			inLanguage(t, c.env)
			st := api.Status{Tunnels: []api.TunnelStatus{{Name: "home", State: api.StateStarting}}}
			paused := api.Status{Tunnels: []api.TunnelStatus{{Name: "office", State: api.StateDown, Paused: "paused: trusted network home"}}}
			if got, want := Summarize(paused, true, nil, now).Tooltip, c.paused; got != want {
				t.Errorf("tooltip of a paused tunnel %q, want %q", got, want)
			}
			if got := Summarize(st, true, nil, now).Tooltip; !strings.Contains(got, c.tooltip) {
				t.Errorf("tooltip %q, want %q", got, c.tooltip)
			}
			if got := Summarize(st, false, nil, now).Tooltip; got != c.offline {
				t.Errorf("tooltip without the service %q, want %q", got, c.offline)
			}
			a := &Agent{tunnels: map[string]api.Tunnel{}}
			items := a.menuItems()
			if last := items[len(items)-1].Label; last != c.quit {
				t.Errorf("last menu item %q, want %q", last, c.quit)
			}
		})
	}
}
