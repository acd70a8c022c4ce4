package firewall

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
)

// The kill switch on Windows is a set of Windows Filtering Platform filters
// in a sublayer of wgtray's own. wfpFilters is the policy as those filters,
// free of Windows calls so that it is tested on any OS; firewall_windows.go
// installs them.
//
// The filters sit at the ALE layers, where Windows authorizes connections:
// outbound at ALE_AUTH_CONNECT, inbound at ALE_AUTH_RECV_ACCEPT, per IP
// version. Within the sublayer the filter of highest weight that matches
// decides, so the neutral rules keep their order by weight, and the last
// filters block everything. Where WFP differs from the neutral rules:
//   - the ALE layers are stateful: replies belong to the connection that
//     was allowed, so no rule for established traffic;
//   - they see this machine's own traffic only, not what it routes for
//     others (which Windows does only with Internet Connection Sharing):
//     the forward hook is left out;
//   - there are no socket marks: the mark rule matches the service's
//     executable (ALE_APP_ID) instead;
//   - the hop limit cannot be matched: neighbour discovery passes without
//     that check;
//   - interfaces are matched by LUID, looked up when the filters are added:
//     a filter for an interface that does not exist yet is left out (it
//     could match nothing), and the service applies the policy again when
//     the tunnel is up;
//   - a refused connection fails at once in the application (WFP blocks at
//     connect), so Reject and drop are both a block.

// wfpLayer is where a filter applies.
type wfpLayer uint8

const (
	wfpConnectV4 wfpLayer = iota + 1
	wfpConnectV6
	wfpAcceptV4
	wfpAcceptV6
)

func (l wfpLayer) String() string {
	return [...]string{"", "connect/v4", "connect/v6", "accept/v4", "accept/v6"}[l]
}

// wfpField is what a condition matches.
type wfpField uint8

const (
	wfpLoopback   wfpField = iota + 1 // FWPM_CONDITION_FLAGS has IS_LOOPBACK
	wfpInterface                      // FWPM_CONDITION_IP_LOCAL_INTERFACE
	wfpServiceApp                     // FWPM_CONDITION_ALE_APP_ID and _ALE_USER_ID of the service
	wfpProtocol                       // FWPM_CONDITION_IP_PROTOCOL
	wfpRemoteAddr                     // FWPM_CONDITION_IP_REMOTE_ADDRESS
	wfpRemotePort                     // FWPM_CONDITION_IP_REMOTE_PORT
	wfpLocalPort                      // FWPM_CONDITION_IP_LOCAL_PORT, also the ICMP type
)

// wfpCondition is one condition of a filter; the field says which value
// counts.
type wfpCondition struct {
	Field     wfpField
	Interface string
	Protocol  uint8
	Remote    netip.Prefix
	Port      uint16
}

func (c wfpCondition) String() string {
	switch c.Field {
	case wfpLoopback:
		return "loopback"
	case wfpInterface:
		return "interface=" + c.Interface
	case wfpServiceApp:
		return "app=service"
	case wfpProtocol:
		return fmt.Sprintf("protocol=%d", c.Protocol)
	case wfpRemoteAddr:
		return "remote=" + c.Remote.String()
	case wfpRemotePort:
		return fmt.Sprintf("remote-port=%d", c.Port)
	case wfpLocalPort:
		return fmt.Sprintf("local-port=%d", c.Port)
	}
	return "?"
}

// wfpFilter is one filter; the backend weighs them by their order.
type wfpFilter struct {
	Layer      wfpLayer
	Name       string
	Permit     bool
	Conditions []wfpCondition
}

func (f wfpFilter) String() string {
	w := []string{f.Layer.String(), "block"}
	if f.Permit {
		w[1] = "permit"
	}
	for _, c := range f.Conditions {
		w = append(w, c.String())
	}
	return strings.Join(w, " ") + fmt.Sprintf(" %q", f.Name)
}

// wfpFilters is the policy as WFP filters, highest priority first; nil when
// the policy does not block.
func (p FirewallPolicy) wfpFilters() []wfpFilter { return wfpFiltersOf(p.Rules()) }

// wfpFiltersOf translates neutral rules.
func wfpFiltersOf(rules []FirewallRule) []wfpFilter {
	if rules == nil {
		return nil
	}
	var fs []wfpFilter
	for _, r := range rules {
		if r.Hook == HookForwarded || r.Established {
			continue
		}
		var cs []wfpCondition
		if r.Loopback {
			cs = append(cs, wfpCondition{Field: wfpLoopback})
		}
		if r.Interface != "" {
			cs = append(cs, wfpCondition{Field: wfpInterface, Interface: r.Interface})
		}
		if r.Mark != 0 || r.Service {
			cs = append(cs, wfpCondition{Field: wfpServiceApp})
		}
		if r.Protocol != 0 {
			cs = append(cs, wfpCondition{Field: wfpProtocol, Protocol: r.Protocol})
		}
		if r.Remote.IsValid() {
			cs = append(cs, wfpCondition{Field: wfpRemoteAddr, Remote: r.Remote.Masked()})
		}
		if r.RemotePort != 0 {
			cs = append(cs, wfpCondition{Field: wfpRemotePort, Port: r.RemotePort})
		}
		if r.LocalPort != 0 {
			cs = append(cs, wfpCondition{Field: wfpLocalPort, Port: r.LocalPort})
		}
		if r.ICMPv6Type != 0 {
			cs = append(cs, wfpCondition{Field: wfpLocalPort, Port: uint16(r.ICMPv6Type)})
		}
		for _, l := range wfpLayers(r.Hook, r.IPFamily()) {
			fs = append(fs, wfpFilter{Layer: l, Name: r.Why, Permit: r.Action == Accept, Conditions: cs})
		}
	}
	// The neutral rules end outbound with a refusal; inbound, what no
	// rule accepts is dropped.
	for _, l := range wfpLayers(HookInbound, 0) {
		fs = append(fs, wfpFilter{Layer: l, Name: "blocked by the kill switch"})
	}
	return fs
}

func wfpLayers(h FirewallHook, family uint8) []wfpLayer {
	v4, v6 := wfpConnectV4, wfpConnectV6
	if h == HookInbound {
		v4, v6 = wfpAcceptV4, wfpAcceptV6
	}
	switch family {
	case 4:
		return []wfpLayer{v4}
	case 6:
		return []wfpLayer{v6}
	}
	return []wfpLayer{v4, v6}
}

// wfpV4AddrMask is an IPv4 prefix as FWP_V4_ADDR_AND_MASK holds it: address
// and mask as numbers (host byte order), not as bytes.
func wfpV4AddrMask(p netip.Prefix) (addr, mask uint32) {
	a := p.Masked().Addr().As4()
	if p.Bits() > 0 {
		mask = ^uint32(0) << (32 - p.Bits())
	}
	return binary.BigEndian.Uint32(a[:]), mask
}
