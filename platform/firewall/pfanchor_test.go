package firewall

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/wgtray/wgtray/service/api"
)

func TestPFAnchorKeepsTheRuleOrderWithQuickRules(t *testing.T) {
	p := FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{{
		Interface:    "utun4",
		Endpoints:    []netip.AddrPort{netip.MustParseAddrPort("198.51.100.7:51820")},
		DNS:          []netip.Addr{netip.MustParseAddr("10.64.0.1")},
		DefaultRoute: true,
		FwMark:       0xca6c,
	}}}
	want := `pass out quick on lo0 all flags any label "loopback"
pass in quick on lo0 all flags any label "loopback"
pass out quick inet proto udp from any to 198.51.100.7 port 51820 user root label "endpoint of utun4"
pass in quick inet proto udp from 198.51.100.7 port 51820 to any label "endpoint of utun4"
pass out quick inet proto udp from any port 68 to any port 67 label "DHCPv4"
pass in quick inet proto udp from any port 67 to any port 68 label "DHCPv4"
pass out quick inet6 proto udp from any port 546 to any port 547 label "DHCPv6"
pass in quick inet6 proto udp from any port 547 to any port 546 label "DHCPv6"
pass out quick inet6 proto ipv6-icmp all icmp6-type 133 label "neighbour discovery"
pass out quick inet6 proto ipv6-icmp all icmp6-type 134 label "neighbour discovery"
pass out quick inet6 proto ipv6-icmp all icmp6-type 135 label "neighbour discovery"
pass out quick inet6 proto ipv6-icmp all icmp6-type 136 label "neighbour discovery"
pass in quick inet6 proto ipv6-icmp all icmp6-type 133 label "neighbour discovery"
pass in quick inet6 proto ipv6-icmp all icmp6-type 134 label "neighbour discovery"
pass in quick inet6 proto ipv6-icmp all icmp6-type 135 label "neighbour discovery"
pass in quick inet6 proto ipv6-icmp all icmp6-type 136 label "neighbour discovery"
pass out quick inet6 proto ipv6-icmp from any to ff02::/16 icmp6-type 131 label "multicast listener report"
pass out quick inet6 proto ipv6-icmp from any to ff02::/16 icmp6-type 143 label "multicast listener report"
pass in quick inet6 proto ipv6-icmp from fe80::/10 to any icmp6-type 130 label "multicast listener query"
pass out quick on utun4 inet proto udp from any to 10.64.0.1 port 53 label "DNS of utun4"
pass out quick on utun4 inet proto udp from any to 10.64.0.1 port 853 label "DNS of utun4"
pass out quick on utun4 inet proto tcp from any to 10.64.0.1 port 53 flags any label "DNS of utun4"
pass out quick on utun4 inet proto tcp from any to 10.64.0.1 port 853 flags any label "DNS of utun4"
block return out quick proto udp from any to any port 53 label "DNS outside the tunnels"
block return out quick proto udp from any to any port 853 label "DNS outside the tunnels"
block return out quick proto tcp from any to any port 53 label "DNS outside the tunnels"
block return out quick proto tcp from any to any port 853 label "DNS outside the tunnels"
pass out quick on utun4 all flags any label "tunnel"
pass in quick on utun4 all flags any label "tunnel"
block return out quick proto tcp all label "blocked by the kill switch"
block return out quick all label "blocked by the kill switch"
block drop in quick all label "blocked by the kill switch"
`
	if got := p.PFAnchor(); got != want {
		t.Errorf("PFAnchor():\n%s\nwant:\n%s", got, want)
	}
}

func TestPFAnchorOpensTheLANWithPrefixes(t *testing.T) {
	got := FirewallPolicy{Mode: api.KillSwitchAlways, AllowLAN: true}.PFAnchor()
	for _, line := range []string{
		`pass out quick inet from any to 192.168.0.0/16 flags any label "LAN"`,
		`pass in quick inet6 from fe80::/10 to any flags any label "LAN"`,
		`pass out quick inet from any to 255.255.255.255 flags any label "LAN"`,
	} {
		if !strings.Contains(got, line+"\n") {
			t.Errorf("PFAnchor() lacks %q:\n%s", line, got)
		}
	}
	if (FirewallPolicy{Mode: api.KillSwitchOff}).PFAnchor() != "" {
		t.Error("a policy that does not block gives pf rules")
	}
}

// fakePF stands in for pfctl(8): one anchor, the reference tokens, and the
// commands it was given.
type fakePF struct {
	main    string // the main ruleset
	anchor  string
	tokens  []string
	issued  int
	flushes int
	calls   []string
}

func (f *fakePF) pfctl(stdin string, args ...string) (string, string, error) {
	cmd := strings.Join(args, " ")
	f.calls = append(f.calls, cmd)
	switch cmd {
	case "-a " + PFAnchorName + " -s rules":
		return f.anchor, "No ALTQ support in kernel\n", nil
	case "-a " + PFAnchorName + " -f -":
		f.anchor = stdin
		return "", "No ALTQ support in kernel\n", nil
	case "-a " + PFAnchorName + " -F rules":
		f.anchor = ""
		return "", "rules cleared\n", nil
	case "-E":
		f.issued++
		token := fmt.Sprint(7000 + f.issued)
		f.tokens = append(f.tokens, token)
		return "", "pf enabled\nToken : " + token + "\n", nil
	case "-s rules":
		return f.main, "No ALTQ support in kernel\n", nil
	case "-f /etc/pf.conf":
		f.main = macOSMainRuleset
		return "", "pfctl: Use of -f option, could result in flushing of rules\n", nil
	case "-F states":
		f.flushes++
		return "", "0 states cleared\n", nil
	case "-s References":
		out := "TOKENS:\nPID      Process Name                TOKEN                    TIMESTAMP\n"
		for _, t := range f.tokens {
			out += "412      pfctl                       " + t + "                     2 secs ago\n"
		}
		return out, "", nil
	case "-s info":
		if len(f.tokens) == 0 {
			return "Status: Disabled\n", "", nil
		}
		return "Status: Enabled for 0 days 00:00:02\n", "", nil
	}
	if len(args) == 2 && args[0] == "-X" {
		i := slices.Index(f.tokens, args[1])
		if i < 0 {
			return "", "pfctl: Failed to release token\n", errors.New("exit status 1")
		}
		f.tokens = slices.Delete(f.tokens, i, i+1)
		return "", "pf disabled\n", nil
	}
	return "", "pfctl: unknown command\n", fmt.Errorf("unexpected pfctl %s", cmd)
}

// macOSMainRuleset is what pfctl -s rules shows once /etc/pf.conf is
// loaded.
const macOSMainRuleset = "scrub-anchor \"com.apple/*\" all fragment reassemble\nanchor \"com.apple/*\" all\n"

func fullTunnelPolicy(endpoint string) FirewallPolicy {
	return FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: []FirewallTunnel{{
		Interface:    "utun4",
		Endpoints:    []netip.AddrPort{netip.MustParseAddrPort(endpoint)},
		DefaultRoute: true,
	}}}
}

func TestPFKillSwitchHoldsOneReferenceWhileBlockingAndReleasesItWhenOff(t *testing.T) {
	pf := &fakePF{main: macOSMainRuleset}
	tokenFile := filepath.Join(t.TempDir(), "state", "pf.token")
	k := pfKillSwitch{pfctl: pf.pfctl, tokenFile: tokenFile}

	first := fullTunnelPolicy("198.51.100.7:51820")
	if err := k.apply(first); err != nil {
		t.Fatal(err)
	}
	if pf.anchor != first.PFAnchor() || len(pf.tokens) != 1 || pf.flushes != 1 {
		t.Fatalf("after blocking: anchor %q, tokens %v, state flushes %d; want the policy's rules, one token, one flush", pf.anchor, pf.tokens, pf.flushes)
	}
	if saved, _ := os.ReadFile(tokenFile); strings.TrimSpace(string(saved)) != pf.tokens[0] {
		t.Errorf("saved token %q, pf holds %v", saved, pf.tokens)
	}
	if active, err := k.active(); err != nil || !active {
		t.Errorf("active() = %v, %v while blocking", active, err)
	}

	roamed := fullTunnelPolicy("198.51.100.9:51820")
	if err := k.apply(roamed); err != nil {
		t.Fatal(err)
	}
	if pf.anchor != roamed.PFAnchor() || len(pf.tokens) != 1 || pf.flushes != 1 {
		t.Errorf("after a new endpoint: tokens %v, state flushes %d; want the new rules, still one token and no second flush", pf.tokens, pf.flushes)
	}

	if err := k.apply(FirewallPolicy{Mode: api.KillSwitchOff}); err != nil {
		t.Fatal(err)
	}
	if pf.anchor != "" || len(pf.tokens) != 0 {
		t.Errorf("after off: anchor %q, tokens %v; want both empty", pf.anchor, pf.tokens)
	}
	if _, err := os.Stat(tokenFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the token file stays after off: %v", err)
	}
	if active, err := k.active(); err != nil || active {
		t.Errorf("active() = %v, %v after off", active, err)
	}
	if err := k.apply(FirewallPolicy{Mode: api.KillSwitchOff}); err != nil {
		t.Errorf("off twice: %v", err)
	}
}

func TestPFKillSwitchTakesANewReferenceWhenPFForgotTheSavedOne(t *testing.T) {
	pf := &fakePF{main: macOSMainRuleset}
	tokenFile := filepath.Join(t.TempDir(), "pf.token")
	if err := os.WriteFile(tokenFile, []byte("42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k := pfKillSwitch{pfctl: pf.pfctl, tokenFile: tokenFile}
	if err := k.apply(FirewallPolicy{Mode: api.KillSwitchAlways}); err != nil {
		t.Fatal(err)
	}
	if len(pf.tokens) != 1 || !slices.Contains(pf.calls, "-E") {
		t.Errorf("a token pf does not list was trusted: tokens %v, calls %v", pf.tokens, pf.calls)
	}
}

func TestPFKillSwitchOffForgetsATokenPFNoLongerHolds(t *testing.T) {
	pf := &fakePF{}
	tokenFile := filepath.Join(t.TempDir(), "pf.token")
	if err := os.WriteFile(tokenFile, []byte("42\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	k := pfKillSwitch{pfctl: pf.pfctl, tokenFile: tokenFile}
	if err := k.apply(FirewallPolicy{Mode: api.KillSwitchOff}); err != nil {
		t.Fatalf("off after a reboot: %v", err)
	}
	if _, err := os.Stat(tokenFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stale token file stays: %v", err)
	}
}

func TestPFKillSwitchLoadsPFConfWhenTheMainRulesetIsEmpty(t *testing.T) {
	pf := &fakePF{}
	k := pfKillSwitch{pfctl: pf.pfctl, tokenFile: filepath.Join(t.TempDir(), "pf.token")}
	if err := k.apply(FirewallPolicy{Mode: api.KillSwitchAlways}); err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pf.calls, "-f /etc/pf.conf") || pf.main != macOSMainRuleset {
		t.Errorf("an empty main ruleset stays empty, so nothing evaluates the anchor: calls %v", pf.calls)
	}
}

func TestPFKillSwitchRefusesAMainRulesetThatSkipsItsAnchor(t *testing.T) {
	pf := &fakePF{main: "pass out all keep state\n"}
	k := pfKillSwitch{pfctl: pf.pfctl, tokenFile: filepath.Join(t.TempDir(), "pf.token")}
	err := k.apply(FirewallPolicy{Mode: api.KillSwitchAlways})
	if err == nil || !strings.Contains(err.Error(), "com.apple") {
		t.Errorf("apply = %v; want an error that says the anchor is not evaluated", err)
	}
	if slices.Contains(pf.calls, "-f /etc/pf.conf") {
		t.Error("another firewall's main ruleset was replaced")
	}
}
