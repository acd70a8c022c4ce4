package platform

import (
	"fmt"
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
//     without that check.
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
	return strings.Join(w, " ") + fmt.Sprintf(" label %q", r.Why)
}
