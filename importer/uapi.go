package importer

import (
	"encoding/hex"
	"net/netip"
	"strconv"
)

// UAPI renders the configuration in the form wireguard-go's
// IpcSetOperation reads (https://www.wireguard.com/xplatform/#configuration-protocol).
// It replaces every peer and every peer's allowed IPs, so applying it to a
// running device leaves exactly this configuration. endpoints holds the
// resolved address of peers whose endpoint is a host name, by public key;
// an endpoint that is an IP literal is used as it is, and a peer whose host
// name is missing from endpoints gets no endpoint.
//
// The text holds the private and preshared keys and is the only copy UAPI
// leaves: never log it, and clear it once the device has it.
func (c *Config) UAPI(endpoints map[Key]netip.AddrPort) []byte {
	t := uapiText{b: make([]byte, 0, 256+256*len(c.Peers))}
	var scratch [64]byte
	defer clear(scratch[:])
	key := func(name string, k Key) {
		hex.Encode(scratch[:], k[:])
		t.line(name, scratch[:])
	}
	number := func(name string, n uint64) { t.line(name, strconv.AppendUint(scratch[:0], n, 10)) }
	key("private_key", c.Interface.PrivateKey)
	if c.Interface.ListenPort != 0 {
		number("listen_port", uint64(c.Interface.ListenPort))
	}
	if c.Interface.FwMark != 0 {
		number("fwmark", uint64(c.Interface.FwMark))
	}
	t.line("replace_peers", []byte("true"))
	for i := range c.Peers {
		t.peer(&c.Peers[i], endpoints, false)
	}
	return t.b
}

// PeersUAPI renders only the peers, for a running device: it removes the
// peers in remove and sets every peer of the configuration in place (its
// preshared key, cleared when it has none; endpoint; keepalive; allowed
// IPs, replaced), so that the peers that stay keep their sessions. The
// interface (private key, listen port, mark) is left as it is. Like UAPI,
// the text holds the preshared keys: never log it, clear it once used.
func (c *Config) PeersUAPI(endpoints map[Key]netip.AddrPort, remove []Key) []byte {
	t := uapiText{b: make([]byte, 0, 128*len(remove)+256*len(c.Peers))}
	var scratch [64]byte
	for _, k := range remove {
		hex.Encode(scratch[:], k[:])
		t.line("public_key", scratch[:])
		t.line("remove", []byte("true"))
	}
	for i := range c.Peers {
		t.peer(&c.Peers[i], endpoints, true)
	}
	return t.b
}

// peer writes one peer; withZeroPSK writes a preshared key of zeros (none)
// for a peer without one, which clears a key set before.
func (t *uapiText) peer(p *Peer, endpoints map[Key]netip.AddrPort, withZeroPSK bool) {
	var scratch [64]byte
	defer clear(scratch[:])
	key := func(name string, k Key) {
		hex.Encode(scratch[:], k[:])
		t.line(name, scratch[:])
	}
	number := func(name string, n uint64) { t.line(name, strconv.AppendUint(scratch[:0], n, 10)) }
	key("public_key", p.PublicKey)
	if withZeroPSK || !p.PresharedKey.IsZero() {
		key("preshared_key", p.PresharedKey)
	}
	if ep, ok := p.ResolvedEndpoint(endpoints); ok {
		t.line("endpoint", ep.AppendTo(scratch[:0]))
	}
	number("persistent_keepalive_interval", uint64(p.PersistentKeepalive))
	t.line("replace_allowed_ips", []byte("true"))
	for _, prefix := range p.AllowedIPs {
		t.line("allowed_ip", prefix.AppendTo(scratch[:0]))
	}
}

// uapiText is UAPI text being built. When it outgrows its array it clears
// the old one, which holds the private key.
type uapiText struct{ b []byte }

func (t *uapiText) line(key string, value []byte) {
	if n := len(t.b) + len(key) + len(value) + 2; n > cap(t.b) {
		b := make([]byte, len(t.b), 2*n)
		copy(b, t.b)
		clear(t.b)
		t.b = b
	}
	t.b = append(t.b, key...)
	t.b = append(t.b, '=')
	t.b = append(t.b, value...)
	t.b = append(t.b, '\n')
}

// ResolvedEndpoint is where the peer is reached: its endpoint as resolved
// in endpoints (by public key), else its endpoint when that is an IP
// literal; false when it has neither.
func (p *Peer) ResolvedEndpoint(endpoints map[Key]netip.AddrPort) (netip.AddrPort, bool) {
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
