package importer

import (
	"net/netip"
	"strconv"
	"strings"
)

// UAPI renders the configuration in the form wireguard-go's IpcSet takes
// (https://www.wireguard.com/xplatform/#configuration-protocol). It replaces
// every peer and every peer's allowed IPs, so applying it to a running device
// leaves exactly this configuration. endpoints holds the resolved address of
// peers whose endpoint is a host name, by public key; an endpoint that is an
// IP literal is used as it is, and a peer whose host name is missing from
// endpoints gets no endpoint. The text holds the private key: never log it.
func (c *Config) UAPI(endpoints map[Key]netip.AddrPort) string {
	var b strings.Builder
	line := func(key, value string) {
		b.WriteString(key)
		b.WriteByte('=')
		b.WriteString(value)
		b.WriteByte('\n')
	}
	line("private_key", c.Interface.PrivateKey.Hex())
	if c.Interface.ListenPort != 0 {
		line("listen_port", strconv.Itoa(int(c.Interface.ListenPort)))
	}
	if c.Interface.FwMark != 0 {
		line("fwmark", strconv.FormatUint(uint64(c.Interface.FwMark), 10))
	}
	line("replace_peers", "true")
	for _, p := range c.Peers {
		line("public_key", p.PublicKey.Hex())
		if !p.PresharedKey.IsZero() {
			line("preshared_key", p.PresharedKey.Hex())
		}
		if ep, ok := p.resolvedEndpoint(endpoints); ok {
			line("endpoint", ep.String())
		}
		line("persistent_keepalive_interval", strconv.Itoa(int(p.PersistentKeepalive)))
		line("replace_allowed_ips", "true")
		for _, prefix := range p.AllowedIPs {
			line("allowed_ip", prefix.String())
		}
	}
	return b.String()
}

func (p *Peer) resolvedEndpoint(endpoints map[Key]netip.AddrPort) (netip.AddrPort, bool) {
	if ep, ok := endpoints[p.PublicKey]; ok && ep.IsValid() {
		return ep, true
	}
	if p.Endpoint.IsZero() {
		return netip.AddrPort{}, false
	}
	addr, err := netip.ParseAddr(p.Endpoint.Host)
	if err != nil {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(addr, p.Endpoint.Port), true
}
