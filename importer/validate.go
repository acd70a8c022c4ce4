package importer

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
)

// MTU bounds. IPv4 needs 576, IPv6 1280; above 9000 (jumbo frames) no
// real path carries the packets, so a bigger value is a typo.
const (
	minMTU     = 576
	minMTUIPv6 = 1280
	maxMTU     = 9000
)

// Validate checks a config built or edited in code by the same rules Parse
// applies to a file. The error is Errors, with Line 0.
func (c *Config) Validate() error {
	l := errorList{}
	validate(c, nil, false, &l)
	return l.result()
}

// ValidateRedacted is Validate for a config without its secrets, as Redact
// returns it: a missing PrivateKey is not an error.
func (c *Config) ValidateRedacted() error {
	l := errorList{}
	validate(c, nil, true, &l)
	return l.result()
}

// positions records where each key was in the file, so that checks across
// keys can name a line. A nil *positions (a config built in code) gives 0.
type positions struct {
	ifaceLine int
	iface     map[string]int
	addresses []int // the line of each Address
	peers     []peerPos
}

type peerPos struct {
	line int
	keys map[string]int
}

func (ps *positions) set(s section, peer int, key string, line int) {
	var m *map[string]int
	switch s {
	case interfaceSection:
		m = &ps.iface
	case peerSection:
		m = &ps.peers[peer].keys
	default:
		return
	}
	if *m == nil {
		*m = make(map[string]int, 4)
	}
	if _, ok := (*m)[key]; !ok {
		(*m)[key] = line
	}
}

// line returns the line of key in the interface (peer < 0) or a peer, or
// of the section header when key is "".
func (ps *positions) line(peer int, key string) int {
	if ps == nil {
		return 0
	}
	if peer < 0 {
		if key == "" {
			return ps.ifaceLine
		}
		return ps.iface[key]
	}
	if peer >= len(ps.peers) {
		return 0
	}
	if key == "" {
		return ps.peers[peer].line
	}
	return ps.peers[peer].keys[key]
}

func (ps *positions) addressLine(i int) int {
	if ps == nil || i >= len(ps.addresses) {
		return 0
	}
	return ps.addresses[i]
}

// validate checks what the parser cannot check on one line, and everything
// for a config built in code. A key that has a line but a zero value failed
// to parse and was reported already.
func validate(c *Config, pos *positions, redacted bool, errs *errorList) {
	iface := &c.Interface
	if pos != nil && pos.ifaceLine == 0 {
		errs.add(0, "", "there is no [Interface] section; add one with at least PrivateKey = <the output of wg genkey>")
	} else if iface.PrivateKey.IsZero() && !redacted && pos.line(-1, "PrivateKey") == 0 {
		errs.add(pos.line(-1, ""), "PrivateKey", "[Interface] has no PrivateKey; add PrivateKey = <this device's private key, as wg genkey prints it>")
	}
	for k, a := range iface.Addresses {
		if msg := checkPrefix("Address", a, false); msg != "" {
			errs.add(pos.line(-1, "Address"), "Address", msg)
		} else if slices.Contains(iface.Addresses[:k], a) {
			errs.add(pos.addressLine(k), "Address", fmt.Sprintf("Address %s is listed twice, which makes wg-quick fail; list it once", a))
		}
	}
	for _, a := range iface.DNS {
		if !a.IsValid() {
			errs.add(pos.line(-1, "DNS"), "DNS", "DNS has an empty IP address; remove it or give a server address like 1.1.1.1")
		}
	}
	for _, d := range iface.DNSSearch {
		if msg := checkDomain(d); msg != "" {
			errs.add(pos.line(-1, "DNS"), "DNS", fmt.Sprintf("DNS search domain %q is not valid: %s", clip(d), msg))
		}
	}
	if iface.MTU != 0 {
		min := minMTU
		for _, a := range iface.Addresses {
			if a.Addr().Is6() {
				min = minMTUIPv6
				break
			}
		}
		if iface.MTU < min || iface.MTU > maxMTU {
			why := ""
			if min == minMTUIPv6 {
				why = " (1280 is the least IPv6 allows, and the tunnel has an IPv6 address)"
			}
			errs.add(pos.line(-1, "MTU"), "MTU", fmt.Sprintf("MTU %d is out of range; it must be from %d to %d%s, or left out for automatic", iface.MTU, min, maxMTU, why))
		}
	}
	if iface.Table.Off && iface.Table.ID != 0 {
		errs.add(pos.line(-1, "Table"), "Table", "Table is both off and a table number; choose one")
	}
	for _, h := range iface.hooks() {
		for _, cmd := range h.commands {
			if msg := checkHook(h.key, cmd); msg != "" {
				errs.add(pos.line(-1, h.key), h.key, msg)
			}
		}
	}

	var self Key
	if !iface.PrivateKey.IsZero() {
		self = iface.PrivateKey.Public()
	}
	seen := make(map[Key]int, len(c.Peers))
	for i := range c.Peers {
		p := &c.Peers[i]
		n := i + 1
		switch {
		case p.PublicKey.IsZero():
			if pos.line(i, "PublicKey") == 0 {
				errs.add(pos.line(i, ""), "PublicKey", fmt.Sprintf("peer %d has no PublicKey; add PublicKey = <the peer's public key>", n))
			}
		case p.PublicKey == self:
			errs.add(pos.line(i, "PublicKey"), "PublicKey", fmt.Sprintf("peer %d has this interface's own public key, so it would be a peer of itself; use the other side's public key", n))
		default:
			if first, dup := seen[p.PublicKey]; dup {
				errs.add(pos.line(i, "PublicKey"), "PublicKey", fmt.Sprintf("peer %d has the same PublicKey as peer %d; each peer needs its own key, so remove or merge one of them", n, first))
			} else {
				seen[p.PublicKey] = n
			}
		}
		for _, a := range p.AllowedIPs {
			if msg := checkPrefix("AllowedIPs", a, true); msg != "" {
				errs.add(pos.line(i, "AllowedIPs"), "AllowedIPs", fmt.Sprintf("peer %d: %s", n, msg))
			}
		}
		if msg := checkEndpoint(p.Endpoint); msg != "" {
			errs.add(pos.line(i, "Endpoint"), "Endpoint", fmt.Sprintf("peer %d: %s", n, msg))
		}
	}
}

func checkPrefix(name string, p netip.Prefix, masked bool) string {
	if !p.IsValid() {
		return fmt.Sprintf("%s has an empty or invalid prefix; give one like 10.0.0.2/24", name)
	}
	if masked && p != p.Masked() {
		return fmt.Sprintf("%s %s has host bits set; write the network, %s", name, p, p.Masked())
	}
	return ""
}

func checkHook(name, cmd string) string {
	switch {
	case cmd == "" || strings.TrimSpace(cmd) != cmd:
		return fmt.Sprintf("%s %q is empty or has spaces around it; give the command without them", name, clip(cmd))
	case strings.ContainsAny(cmd, "\r\n"):
		return fmt.Sprintf("%s %q spans several lines; give each command its own %s line", name, clip(cmd), name)
	case strings.Contains(cmd, "#"):
		return fmt.Sprintf("%s %q contains \"#\", which wg-quick reads as the start of a comment; rewrite the command without it", name, clip(cmd))
	}
	return ""
}

func checkEndpoint(e Endpoint) string {
	if e.Host == "" {
		if e.Port != 0 {
			return "Endpoint has a port but no host; give HOST:PORT, as in vpn.example.org:51820"
		}
		return ""
	}
	if e.Port == 0 {
		return fmt.Sprintf("Endpoint %s has no port; add one from 1 to 65535, as in %s", e.Host, Endpoint{Host: e.Host, Port: 51820})
	}
	if addr, err := netip.ParseAddr(e.Host); err == nil {
		if addr.String() != e.Host {
			return fmt.Sprintf("Endpoint host %q is not written canonically; write %s", e.Host, addr)
		}
		return ""
	}
	if msg := checkHost(e.Host); msg != "" {
		return fmt.Sprintf("Endpoint %q: %s", clip(e.Host), msg)
	}
	return ""
}

// checkHost checks a DNS host name as an endpoint may give it.
func checkHost(h string) string {
	if msg := checkDomain(h); msg != "" {
		return "the host is not a valid IP address or host name: " + msg
	}
	last := strings.TrimSuffix(h, ".")
	if i := strings.LastIndexByte(last, '.'); i >= 0 {
		last = last[i+1:]
	}
	if strings.Trim(last, "0123456789") == "" {
		return "the host looks like an IPv4 address but is not a valid one; write four numbers from 0 to 255, as in 192.0.2.1"
	}
	return ""
}

// checkDomain checks DNS name syntax: dot-separated labels of 1 to 63
// letters, digits, hyphens or underscores, not starting or ending with a
// hyphen, at most 253 characters, an optional final dot.
func checkDomain(d string) string {
	name := strings.TrimSuffix(d, ".")
	if name == "" {
		return "a domain name cannot be empty"
	}
	if len(name) > 253 {
		return "a domain name has at most 253 characters"
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" {
			return "a domain name cannot have empty labels (two dots in a row, or a leading dot)"
		}
		if len(label) > 63 {
			return "each label of a domain name has at most 63 characters"
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "a label of a domain name cannot start or end with a hyphen"
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "a domain name has only letters, digits, hyphens and dots (use the punycode form xn--... for other letters)"
			}
		}
	}
	return ""
}
