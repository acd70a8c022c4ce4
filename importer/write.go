package importer

import (
	"net/netip"
	"strconv"
	"strings"
)

// String is the config as canonical wg-quick text: one key a line, lists
// joined with ", ", DNS servers before search domains, keys in the order of
// the Interface and Peer types, unset keys left out. Parse reads it back to
// an equal config.
func (c *Config) String() string { return c.text(false) }

// RedactedString is String with each private and preshared key shown as
// "(hidden)", for showing a config to a person.
func (c *Config) RedactedString() string { return c.text(true) }

func (c *Config) text(hide bool) string {
	var b strings.Builder
	b.Grow(256 + 256*len(c.Peers))
	w := writer{b: &b, hide: hide}
	i := &c.Interface
	b.WriteString("[Interface]\n")
	w.key("PrivateKey", i.PrivateKey)
	if i.ListenPort != 0 {
		w.line("ListenPort", strconv.Itoa(int(i.ListenPort)))
	}
	if i.FwMark != 0 {
		w.line("FwMark", "0x"+strconv.FormatUint(uint64(i.FwMark), 16))
	}
	w.prefixes("Address", i.Addresses)
	if len(i.DNS)+len(i.DNSSearch) > 0 {
		items := make([]string, 0, len(i.DNS)+len(i.DNSSearch))
		for _, a := range i.DNS {
			items = append(items, a.String())
		}
		items = append(items, i.DNSSearch...)
		w.line("DNS", strings.Join(items, ", "))
	}
	if i.MTU != 0 {
		w.line("MTU", strconv.Itoa(i.MTU))
	}
	if i.Table != (Table{}) {
		w.line("Table", i.Table.String())
	}
	for _, h := range i.hooks() {
		for _, cmd := range h.commands {
			w.line(h.key, cmd)
		}
	}
	if i.SaveConfig {
		w.line("SaveConfig", "true")
	}
	for k := range c.Peers {
		p := &c.Peers[k]
		b.WriteString("\n[Peer]\n")
		if !p.PublicKey.IsZero() {
			w.line("PublicKey", p.PublicKey.String())
		}
		w.key("PresharedKey", p.PresharedKey)
		w.prefixes("AllowedIPs", p.AllowedIPs)
		if !p.Endpoint.IsZero() {
			w.line("Endpoint", p.Endpoint.String())
		}
		if p.PersistentKeepalive != 0 {
			w.line("PersistentKeepalive", strconv.Itoa(int(p.PersistentKeepalive)))
		}
	}
	return b.String()
}

type writer struct {
	b    *strings.Builder
	hide bool
}

func (w writer) line(key, value string) {
	w.b.WriteString(key)
	w.b.WriteString(" = ")
	w.b.WriteString(value)
	w.b.WriteByte('\n')
}

// key writes a secret key, or nothing when it is unset.
func (w writer) key(name string, k Key) {
	switch {
	case k.IsZero():
	case w.hide:
		w.line(name, "(hidden)")
	default:
		w.line(name, k.String())
	}
}

func (w writer) prefixes(key string, ps []netip.Prefix) {
	if len(ps) == 0 {
		return
	}
	w.b.WriteString(key)
	w.b.WriteString(" = ")
	for i, p := range ps {
		if i > 0 {
			w.b.WriteString(", ")
		}
		w.b.WriteString(p.String())
	}
	w.b.WriteByte('\n')
}
