package firewall

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// PFAnchor is the policy as the rules of a pf anchor, the form the macOS
// backend loads with `pfctl -a ANCHOR -f -` (an empty string: flush the
// anchor). It is plain text so that it is tested on any OS.
//
// Every rule is quick, so the first match wins as in Rules, and the anchor
// ends by dropping what nothing passed. Where pf differs from the neutral
// rules:
//   - there is no forward hook: pf's out rules see forwarded packets too;
//   - pass rules keep state, so replies need no rule of their own;
//   - pf cannot match a socket mark, so the mark rule is left out and the
//     endpoint rules carry the tunnel's UDP (the service re-applies the
//     policy when endpoints roam or resolve anew);
//   - pf cannot match the hop limit, so neighbour discovery passes
//     without that check;
//   - pass rules that can match TCP take up connections in mid-stream
//     (flags any), as connection tracking does.
func (p FirewallPolicy) PFAnchor() string {
	rules := p.Rules()
	if rules == nil {
		return ""
	}
	var b strings.Builder
	for _, r := range rules {
		if r.Hook == HookForwarded || r.Established || r.Mark != 0 {
			continue
		}
		b.WriteString(pfRule(r))
		b.WriteByte('\n')
	}
	b.WriteString("block drop in quick all label \"blocked by the kill switch\"\n")
	return b.String()
}

func pfRule(r FirewallRule) string {
	w := []string{"pass"}
	if r.Action == Reject {
		w = []string{"block", "return"}
	}
	if r.Hook == HookInbound {
		w = append(w, "in")
	} else {
		w = append(w, "out")
	}
	w = append(w, "quick")
	switch {
	case r.Loopback:
		w = append(w, "on", "lo0")
	case r.Interface != "":
		w = append(w, "on", r.Interface)
	}
	switch r.IPFamily() {
	case 4:
		w = append(w, "inet")
	case 6:
		w = append(w, "inet6")
	}
	switch r.Protocol {
	case ProtoTCP:
		w = append(w, "proto", "tcp")
	case ProtoUDP:
		w = append(w, "proto", "udp")
	case ProtoICMPv6:
		w = append(w, "proto", "ipv6-icmp")
	}
	remote, local := []string{"any"}, []string{"any"}
	if r.Remote.IsValid() {
		remote[0] = r.Remote.Masked().String()
		if r.Remote.IsSingleIP() {
			remote[0] = r.Remote.Addr().String()
		}
	}
	if r.RemotePort != 0 {
		remote = append(remote, "port", fmt.Sprint(r.RemotePort))
	}
	if r.LocalPort != 0 {
		local = append(local, "port", fmt.Sprint(r.LocalPort))
	}
	switch {
	case len(remote) == 1 && remote[0] == "any" && len(local) == 1:
		w = append(w, "all")
	case r.Hook == HookInbound:
		w = append(append(append(append(w, "from"), remote...), "to"), local...)
	default:
		w = append(append(append(append(w, "from"), local...), "to"), remote...)
	}
	if r.ICMPv6Type != 0 {
		w = append(w, "icmp6-type", fmt.Sprint(r.ICMPv6Type))
	}
	if r.Service {
		w = append(w, "user", "root")
	}
	if r.Action == Accept && (r.Protocol == 0 || r.Protocol == ProtoTCP) {
		// pf keeps state only from a TCP SYN unless told otherwise; a
		// connection whose state the kill switch flushed must be able to
		// go on where it is allowed.
		w = append(w, "flags", "any")
	}
	return strings.Join(w, " ") + fmt.Sprintf(" label %q", r.Why)
}

// PFAnchorName is the pf anchor that holds the kill switch's rules on
// macOS. The stock /etc/pf.conf evaluates the anchors under com.apple
// (anchor "com.apple/*"), and system updates rewrite that file: an anchor
// there is evaluated without touching the main ruleset. pf evaluates those
// anchors in name order, so the number puts wgtray's before Apple's own
// (200.AirDrop, 250.ApplicationFirewall), whose quick pass rules could
// otherwise let traffic around the kill switch.
const PFAnchorName = "com.apple/100.wgtray"

// pfctlFunc runs pfctl(8) with stdin and the arguments. pfctl writes its
// reports (the reference token among them) to stderr.
type pfctlFunc func(stdin string, args ...string) (stdout, stderr string, err error)

// pfKillSwitch enforces policies in the pf anchor PFAnchorName. pf runs
// while anyone holds a reference to it: the kill switch takes one
// (pfctl -E) while it blocks and releases it (pfctl -X) when it stops, so
// it neither leaves pf running nor stops it under another user of pf. The
// token lives in tokenFile, so a restarted service still releases it. The
// rules are kernel state: they stay when the service dies.
type pfKillSwitch struct {
	pfctl     pfctlFunc
	tokenFile string
}

// apply loads the policy's rules into the anchor in one step (pfctl
// replaces an anchor's rules atomically), then makes sure pf runs. When
// blocking starts, states of connections opened before are flushed, or
// they would go on around the rules. A policy that does not block flushes
// the anchor and releases the reference.
func (k pfKillSwitch) apply(p FirewallPolicy) error {
	had, err := k.hasRules()
	if err != nil {
		return err
	}
	rules := p.PFAnchor()
	if rules == "" {
		var errs []error
		if had {
			if _, stderr, err := k.pfctl("", "-a", PFAnchorName, "-F", "rules"); err != nil {
				errs = append(errs, fmt.Errorf("kill switch: flush pf anchor %s: %w: %s", PFAnchorName, err, strings.TrimSpace(stderr)))
			}
		}
		return errors.Join(append(errs, k.release())...)
	}
	if _, stderr, err := k.pfctl(rules, "-a", PFAnchorName, "-f", "-"); err != nil {
		return fmt.Errorf("kill switch: load the pf rules into anchor %s: %w: %s", PFAnchorName, err, strings.TrimSpace(stderr))
	}
	if err := k.evaluated(); err != nil {
		return err
	}
	if err := k.enable(); err != nil {
		return err
	}
	if !had {
		if _, stderr, err := k.pfctl("", "-F", "states"); err != nil {
			return fmt.Errorf("kill switch: flush pf states: %w: %s", err, strings.TrimSpace(stderr))
		}
	}
	return nil
}

// evaluated makes sure pf's main ruleset evaluates the com.apple anchors,
// and with them the kill switch's. macOS loads /etc/pf.conf at boot, which
// does; an empty main ruleset gets it loaded again. A main ruleset that
// another firewall replaced is not touched: the kill switch reports that it
// cannot work.
func (k pfKillSwitch) evaluated() error {
	main, stderr, err := k.pfctl("", "-s", "rules")
	if err != nil {
		return fmt.Errorf("kill switch: read pf's main ruleset: %w: %s", err, strings.TrimSpace(stderr))
	}
	if strings.TrimSpace(main) == "" {
		if _, stderr, err := k.pfctl("", "-f", "/etc/pf.conf"); err != nil {
			return fmt.Errorf("kill switch: load /etc/pf.conf: %w: %s", err, strings.TrimSpace(stderr))
		}
		if main, _, err = k.pfctl("", "-s", "rules"); err != nil {
			return fmt.Errorf("kill switch: read pf's main ruleset: %w", err)
		}
	}
	if !strings.Contains(main, `anchor "com.apple/*"`) {
		return errors.New("kill switch: pf's main ruleset does not evaluate the anchors under com.apple (another firewall replaced /etc/pf.conf's rules); restore them with `sudo pfctl -f /etc/pf.conf` or set the kill switch to off")
	}
	return nil
}

// active reports whether the anchor has rules and pf runs.
func (k pfKillSwitch) active() (bool, error) {
	had, err := k.hasRules()
	if err != nil || !had {
		return false, err
	}
	info, stderr, err := k.pfctl("", "-s", "info")
	if err != nil {
		return false, fmt.Errorf("kill switch: read pf status: %w: %s", err, strings.TrimSpace(stderr))
	}
	return strings.Contains(info, "Status: Enabled"), nil
}

func (k pfKillSwitch) hasRules() (bool, error) {
	out, stderr, err := k.pfctl("", "-a", PFAnchorName, "-s", "rules")
	if err != nil {
		return false, fmt.Errorf("kill switch: read pf anchor %s: %w: %s", PFAnchorName, err, strings.TrimSpace(stderr))
	}
	return strings.TrimSpace(out) != "", nil
}

// enable takes a reference on pf unless the saved token is still held.
func (k pfKillSwitch) enable() error {
	if token, err := os.ReadFile(k.tokenFile); err == nil && k.held(strings.TrimSpace(string(token))) {
		return nil
	}
	stdout, stderr, err := k.pfctl("", "-E")
	if err != nil {
		return fmt.Errorf("kill switch: enable pf: %w: %s", err, strings.TrimSpace(stderr))
	}
	token, ok := pfToken(stderr + "\n" + stdout)
	if !ok {
		return fmt.Errorf("kill switch: pfctl -E reported no reference token: %s", strings.TrimSpace(stderr))
	}
	if err := os.MkdirAll(filepath.Dir(k.tokenFile), 0o700); err != nil {
		return fmt.Errorf("kill switch: save the pf token: %w", err)
	}
	if err := os.WriteFile(k.tokenFile, []byte(token+"\n"), 0o600); err != nil {
		return fmt.Errorf("kill switch: save the pf token: %w", err)
	}
	return nil
}

// release gives the saved reference back; one pf forgot (after a reboot)
// is released already.
func (k pfKillSwitch) release() error {
	data, err := os.ReadFile(k.tokenFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kill switch: read the pf token: %w", err)
	}
	token := strings.TrimSpace(string(data))
	if _, stderr, err := k.pfctl("", "-X", token); err != nil && k.held(token) {
		return fmt.Errorf("kill switch: release pf (token %s): %w: %s", token, err, strings.TrimSpace(stderr))
	}
	if err := os.Remove(k.tokenFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("kill switch: remove the pf token: %w", err)
	}
	return nil
}

// held reports whether pf lists the token among its references.
func (k pfKillSwitch) held(token string) bool {
	if token == "" {
		return false
	}
	out, _, err := k.pfctl("", "-s", "References")
	if err != nil {
		return false
	}
	for _, line := range strings.Split(out, "\n") {
		for _, f := range strings.Fields(line) {
			if f == token {
				return true
			}
		}
	}
	return false
}

// pfToken finds the token in what pfctl -E reports ("Token : 1234").
func pfToken(out string) (string, bool) {
	for _, line := range strings.Split(out, "\n") {
		key, value, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(key) == "Token" && strings.TrimSpace(value) != "" {
			return strings.TrimSpace(value), true
		}
	}
	return "", false
}
