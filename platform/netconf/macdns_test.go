package netconf

import (
	"net/netip"
	"testing"
)

func TestMacDNSFullTunnelMakesItsServiceThePrimaryOne(t *testing.T) {
	got, err := macDNSScript(DNSConfig{
		Interface:    "utun4",
		Servers:      []netip.Addr{netip.MustParseAddr("10.64.0.1"), netip.MustParseAddr("fd00:64::1")},
		Search:       []string{"corp.example", "lab.example"},
		DefaultRoute: true,
	}, []netip.Addr{netip.MustParseAddr("10.64.0.2"), netip.MustParseAddr("fe80::1%utun4"), netip.MustParseAddr("fd00:64::2")})
	if err != nil {
		t.Fatal(err)
	}
	want := `open
d.init
d.add ServerAddresses * 10.64.0.1 fd00:64::1
d.add SearchDomains * corp.example lab.example
d.add DomainName corp.example
set State:/Network/Service/wgtray-utun4/DNS
d.init
d.add Addresses * 10.64.0.2
d.add InterfaceName utun4
d.add Router 10.64.0.2
d.add OverridePrimary # 1
set State:/Network/Service/wgtray-utun4/IPv4
d.init
d.add Addresses * fd00:64::2
d.add PrefixLength * # 128
d.add InterfaceName utun4
d.add Router fd00:64::2
d.add OverridePrimary # 1
set State:/Network/Service/wgtray-utun4/IPv6
quit
`
	if got != want {
		t.Errorf("script:\n%s\nwant:\n%s", got, want)
	}
}

func TestMacDNSSplitTunnelAnswersOnlyForItsDomains(t *testing.T) {
	got, err := macDNSScript(DNSConfig{
		Interface: "utun6",
		Servers:   []netip.Addr{netip.MustParseAddr("192.168.77.53")},
		Search:    []string{"office.example"},
	}, []netip.Addr{netip.MustParseAddr("192.168.77.9")})
	if err != nil {
		t.Fatal(err)
	}
	want := `open
d.init
d.add ServerAddresses * 192.168.77.53
d.add SearchDomains * office.example
d.add DomainName office.example
d.add SupplementalMatchDomains * office.example
set State:/Network/Service/wgtray-utun6/DNS
d.init
d.add Addresses * 192.168.77.9
d.add InterfaceName utun6
set State:/Network/Service/wgtray-utun6/IPv4
quit
`
	if got != want {
		t.Errorf("script:\n%s\nwant:\n%s", got, want)
	}
}

func TestMacDNSRemovesEveryEntryOfItsService(t *testing.T) {
	want := "open\nremove State:/Network/Service/wgtray-utun4/DNS\nremove State:/Network/Service/wgtray-utun4/IPv4\nremove State:/Network/Service/wgtray-utun4/IPv6\nquit\n"
	if got := macDNSRemoveScript("utun4"); got != want {
		t.Errorf("remove script:\n%s\nwant:\n%s", got, want)
	}
}

func TestMacDNSRefusesValuesThatWouldInjectScutilCommands(t *testing.T) {
	for _, search := range []string{"corp.example\nremove State:/Network/Global/DNS", "a b", ""} {
		if _, err := macDNSScript(DNSConfig{Interface: "utun4", Search: []string{search}}, nil); err == nil {
			t.Errorf("search domain %q accepted", search)
		}
	}
}
