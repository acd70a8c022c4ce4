// Package tray decides what wgtray's tray shows: one icon and one line of
// words per tunnel for the overall state of the service's tunnels and kill
// switch, so the icon a user glances at tells the truth.
package tray

import (
	"fmt"
	"strings"
	"time"

	"github.com/wgtray/wgtray/assets"
	"github.com/wgtray/wgtray/service/api"
)

// StaleAfter is how long a tunnel may go without a handshake before the
// icon says it is not really connected. WireGuard rekeys every 2 minutes
// while traffic flows, so 3 minutes without one means the peer is gone.
const StaleAfter = 3 * time.Minute

// The user-visible sentences, kept together for translation.
const (
	textNoService  = "wgtray: the service is not running (start it with: sudo wgtrayd start)"
	textNothingUp  = "wgtray: no tunnel is up"
	textConnecting = "%s: connecting…"
	textFailed     = "%s: failed: %s"
	textFailedBare = "%s: failed"
	textFresh      = "%s: connected, handshake %s ago"
	textStale      = "%s: connected, no handshake for %s"
	textWaiting    = "%s: connected, waiting for the first handshake"
	textNoShake    = "%s: connected, no handshake for %s"
	textStopping   = "%s: disconnecting…"
	textNoNetwork  = "%s: waiting for the network"
	textNoAnswer   = "%s: connected, the peer answers nothing"
	textPaused     = "%s: paused, trusted network %s"
	textPausedBody = "This network is trusted: the tunnel runs only on untrusted networks and comes up again when this computer leaves it."
	textBlocking   = "Blocking all traffic (kill switch: always)"
	textKSError    = "Kill switch: %s"
)

// Summary is what the tray shows for one snapshot of the service.
type Summary struct {
	Icon assets.State
	// Tooltip has one line per tunnel that is not down, then the kill
	// switch when it blocks everything or failed.
	Tooltip string
	// Recheck is how long until a handshake turns stale, when nothing
	// else changes; zero when no tunnel is up, so no timer is needed.
	Recheck time.Duration
}

// Summarize says what the tray shows for the service's status at now.
// connected is false while the service cannot be reached; upSince holds
// when each tunnel was seen coming up, so that one without a handshake
// yet counts as connecting until StaleAfter has passed. The icon is the
// worst of: failed, stale, up, connecting, lockdown, idle.
func Summarize(st api.Status, connected bool, upSince map[string]time.Time, now time.Time) Summary {
	if !connected {
		return Summary{Icon: assets.Error, Tooltip: tr(textNoService)}
	}
	var lines []string
	var failed, stale, up, connecting bool
	var recheck time.Duration
	for _, t := range st.Tunnels {
		switch t.State {
		case api.StateFailed:
			failed = true
			if t.Error == "" {
				lines = append(lines, fmt.Sprintf(tr(textFailedBare), t.Name))
			} else {
				lines = append(lines, fmt.Sprintf(tr(textFailed), t.Name, t.Error))
			}
		case api.StateStarting:
			connecting = true
			lines = append(lines, fmt.Sprintf(tr(textConnecting), t.Name))
		case api.StateStopping:
			lines = append(lines, fmt.Sprintf(tr(textStopping), t.Name))
		case api.StateDown:
			// Held down on a trusted network: nothing is meant to run, so
			// it adds a line but not to the icon.
			if t.Paused != "" {
				lines = append(lines, pausedText(t.Name, t.Paused))
			}
		case api.StateUp:
			last := latestHandshake(t.Peers)
			since, seen := upSince[t.Name]
			switch {
			case t.NoNetwork:
				// The tunnel is up, but nothing gets through until the
				// network is back: it is connecting again.
				connecting = true
				lines = append(lines, fmt.Sprintf(tr(textNoNetwork), t.Name))
			case t.Unanswered:
				// Sent traffic, no answer for 3 minutes: as good as a
				// stale handshake, known without waiting for a check.
				stale = true
				lines = append(lines, fmt.Sprintf(tr(textNoAnswer), t.Name))
			case last.IsZero() && seen && now.Sub(since) < StaleAfter:
				connecting = true
				lines = append(lines, fmt.Sprintf(tr(textWaiting), t.Name))
				recheck = sooner(recheck, StaleAfter-now.Sub(since))
			case last.IsZero() && seen:
				stale = true
				lines = append(lines, fmt.Sprintf(tr(textNoShake), t.Name, ago(now.Sub(since))))
			case last.IsZero():
				stale = true
				lines = append(lines, fmt.Sprintf(tr(textNoShake), t.Name, ago(StaleAfter)))
			case now.Sub(last) >= StaleAfter:
				stale = true
				lines = append(lines, fmt.Sprintf(tr(textStale), t.Name, ago(now.Sub(last))))
			default:
				up = true
				lines = append(lines, fmt.Sprintf(tr(textFresh), t.Name, ago(now.Sub(last))))
				recheck = sooner(recheck, StaleAfter-now.Sub(last))
			}
		}
	}
	ks := st.KillSwitch
	lockdown := ks.Mode == api.KillSwitchAlways && ks.Active && !up && !stale
	if lockdown {
		lines = append(lines, tr(textBlocking))
	}
	if ks.Error != "" {
		failed = true
		lines = append(lines, fmt.Sprintf(tr(textKSError), ks.Error))
	}
	if len(lines) == 0 {
		lines = append(lines, tr(textNothingUp))
	}
	s := Summary{Tooltip: strings.Join(lines, "\n"), Recheck: recheck}
	switch {
	case failed:
		s.Icon = assets.Error
	case stale:
		s.Icon = assets.Stale
	case up:
		s.Icon = assets.Up
	case connecting:
		s.Icon = assets.Connecting
	case lockdown:
		s.Icon = assets.Lockdown
	default:
		s.Icon = assets.Idle
	}
	return s
}

// pausedPrefix starts api.Tunnel.Paused when the service names the
// trusted network the tunnel is paused on.
const pausedPrefix = "paused: trusted network "

// pausedText says that tunnel name is paused, in the user's language when
// the service's reason names the network.
func pausedText(name, paused string) string {
	if network, ok := strings.CutPrefix(paused, pausedPrefix); ok {
		return fmt.Sprintf(tr(textPaused), name, network)
	}
	return name + ": " + paused
}

// sooner is the earlier of two delays, zero meaning none.
func sooner(a, b time.Duration) time.Duration {
	if a == 0 || b < a {
		return b
	}
	return a
}

func latestHandshake(peers []api.PeerStatus) time.Time {
	var last time.Time
	for _, p := range peers {
		if p.LatestHandshake != nil && p.LatestHandshake.After(last) {
			last = *p.LatestHandshake
		}
	}
	return last
}

// ago is a duration the way a person says it: "12 s", "4 min", "2 h".
func ago(d time.Duration) string {
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%d s", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%d min", int(d.Minutes()))
	default:
		return fmt.Sprintf("%d h", int(d.Hours()))
	}
}
