package netconf

import (
	"fmt"
	"net/netip"
	"strings"
)

// The macOS DNS plan: the tunnel appears in the system configuration
// store (configd's dynamic store) as a service of its own, with its
// servers and search domains in State:/Network/Service/<id>/DNS, for as
// long as it is up; scutil(8) reads the scripts on stdin.
//
// A service's DNS takes part only while the service has an address entry
// (IPv4, IPv6) naming its interface. A full tunnel's entries carry
// OverridePrimary, which makes it the primary service, so its servers
// answer every query, as on Linux with the tunnel as DNS default route; a
// split tunnel's servers answer only for its search domains
// (SupplementalMatchDomains).

// macDNSService is the store key of wgtray's service for the interface.
func macDNSService(ifname string) string { return "State:/Network/Service/wgtray-" + ifname }

// macDNSScript sets the tunnel's DNS; addrs are the interface's addresses.
func macDNSScript(cfg DNSConfig, addrs []netip.Addr) (string, error) {
	for _, s := range append([]string{cfg.Interface}, cfg.Search...) {
		if !scutilWord(s) {
			return "", fmt.Errorf("set DNS of %s: %q cannot be a search domain or interface name", cfg.Interface, s)
		}
	}
	service := macDNSService(cfg.Interface)
	var b strings.Builder
	line := func(words ...string) { b.WriteString(strings.Join(words, " ") + "\n") }

	line("open")
	line("d.init")
	if len(cfg.Servers) > 0 {
		servers := make([]string, len(cfg.Servers))
		for i, s := range cfg.Servers {
			servers[i] = s.Unmap().String()
		}
		line(append([]string{"d.add", "ServerAddresses", "*"}, servers...)...)
	}
	if len(cfg.Search) > 0 {
		line(append([]string{"d.add", "SearchDomains", "*"}, cfg.Search...)...)
		line("d.add", "DomainName", cfg.Search[0])
		if !cfg.DefaultRoute {
			line(append([]string{"d.add", "SupplementalMatchDomains", "*"}, cfg.Search...)...)
		}
	}
	line("set", service+"/DNS")

	for _, family := range []int{4, 6} {
		var own []string
		for _, a := range addrs {
			if a.Is4() == (family == 4) && !a.IsLinkLocalUnicast() {
				own = append(own, a.WithZone("").String())
			}
		}
		if len(own) == 0 {
			continue
		}
		line("d.init")
		line(append([]string{"d.add", "Addresses", "*"}, own...)...)
		if family == 6 {
			lengths := make([]string, len(own))
			for i := range lengths {
				lengths[i] = "128"
			}
			line(append([]string{"d.add", "PrefixLength", "*", "#"}, lengths...)...)
		}
		line("d.add", "InterfaceName", cfg.Interface)
		if cfg.DefaultRoute {
			line("d.add", "Router", own[0])
			line("d.add", "OverridePrimary", "#", "1")
		}
		line("set", fmt.Sprintf("%s/IPv%d", service, family))
	}
	line("quit")
	return b.String(), nil
}

// macDNSRemoveScript removes every entry of wgtray's service for the
// interface; an entry that is not there is no error to scutil.
func macDNSRemoveScript(ifname string) string {
	service := macDNSService(ifname)
	return "open\nremove " + service + "/DNS\nremove " + service + "/IPv4\nremove " + service + "/IPv6\nquit\n"
}

// scutilWord reports whether s is one word of a domain or interface name,
// which scutil reads as it is, so that no value can end a command or start
// another.
func scutilWord(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
