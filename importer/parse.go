package importer

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/unicode"
)

// MaxConfigSize is the largest config Parse reads. A config with a thousand
// peers is far smaller; anything bigger is not a config.
const MaxConfigSize = 1 << 20

// Parse reads a wg-quick config as wg-quick(8) and wg(8) define it and
// validates it. filename is only used in error messages. The error, when
// not nil, is Errors with every problem found (up to a limit), each naming
// the line and the key.
//
// Decisions beyond the man pages: keys and section names are
// case-insensitive; a key that may appear once appearing twice is an error
// (wg-quick would silently keep one); AllowedIPs are masked to their
// network as wg(8) does, while Address keeps its host part; Table accepts
// "main" and stores it as 254; MTU is 576 to 9000, at least 1280 when the
// interface has an IPv6 address; Pre/PostUp/Down keep their text after
// wg-quick's comment stripping (everything from "#" on); a zero key is
// rejected; UTF-16 is read with or without a byte-order mark.
func Parse(filename string, data []byte) (*Config, error) {
	return parse(filename, data, false)
}

// ParseRedacted is Parse for a config stored without its secrets (the
// text of a redacted Config): a missing PrivateKey is not an error.
func ParseRedacted(filename string, data []byte) (*Config, error) {
	return parse(filename, data, true)
}

func parse(filename string, data []byte, redacted bool) (*Config, error) {
	p := parser{errs: errorList{file: filename}}
	text, msg := decodeText(data)
	if msg != "" {
		p.errs.add(0, "", msg)
		return nil, p.errs.result()
	}
	p.parse(text)
	if !p.sawSection {
		// Not a config at all: one clear error instead of one a line.
		p.errs = errorList{file: filename}
		p.errs.add(0, "", "there is no [Interface] or [Peer] section, so this is not a WireGuard config; "+
			"a config starts with [Interface] followed by lines like PrivateKey = ...")
		return nil, p.errs.result()
	}
	validate(&p.cfg, &p.pos, redacted, &p.errs)
	if err := p.errs.result(); err != nil {
		return nil, err
	}
	return &p.cfg, nil
}

// decodeText turns the file into UTF-8 text without byte-order mark. On
// failure it returns the one message for the file.
func decodeText(data []byte) (string, string) {
	if len(data) > MaxConfigSize {
		return "", fmt.Sprintf("the file is %d bytes, too big for a WireGuard config (the limit is %d bytes); "+
			"choose the .conf file of the tunnel", len(data), MaxConfigSize)
	}
	var order unicode.Endianness
	utf16 := true
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xfe}):
		order = unicode.LittleEndian
	case bytes.HasPrefix(data, []byte{0xfe, 0xff}):
		order = unicode.BigEndian
	case len(data) >= 4 && len(data)%2 == 0 && data[0] != 0 && data[1] == 0 && data[2] != 0 && data[3] == 0:
		// UTF-16 without a byte-order mark, as PowerShell redirection writes.
		order = unicode.LittleEndian
	case len(data) >= 4 && len(data)%2 == 0 && data[0] == 0 && data[1] != 0 && data[2] == 0 && data[3] != 0:
		order = unicode.BigEndian
	default:
		utf16 = false
	}
	if utf16 {
		u, err := unicode.UTF16(order, unicode.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return "", "this file looks like UTF-16 text but cannot be decoded; save it as UTF-8 and import it again"
		}
		data = u
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	for i := 0; i < len(data); {
		c := data[i]
		if c < utf8.RuneSelf {
			// Tabs, line ends and the other white space TrimSpace removes
			// are text; other control characters are not.
			if c < ' ' && (c < '\t' || c > '\r') || c == 0x7f {
				return "", notText
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return "", notText
		}
		i += n
	}
	return string(data), ""
}

const notText = "this is not a text file (it contains binary data); a WireGuard config is a text file with " +
	"[Interface] and [Peer] sections, usually named NAME.conf"

type section int

const (
	noSection section = iota
	interfaceSection
	peerSection
)

type parser struct {
	cfg        Config
	pos        positions
	errs       errorList
	section    section
	skip       bool // inside a section already reported as wrong
	sawSection bool
	sawIface   bool
	sawAmnezia bool
	line       int
	seen       map[string]int // non-repeatable keys of the current section: line
}

func (p *parser) parse(text string) {
	p.seen = make(map[string]int, 8)
	for len(text) > 0 {
		var raw string
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			raw, text = text, ""
		} else {
			raw = text[:i]
			if text[i] == '\r' && i+1 < len(text) && text[i+1] == '\n' {
				i++
			}
			text = text[i+1:]
		}
		p.line++
		p.parseLine(raw)
	}
}

func (p *parser) parseLine(raw string) {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	s := strings.TrimSpace(raw)
	if s == "" {
		return
	}
	if s[0] == '[' {
		p.parseHeader(s)
		return
	}
	eq := strings.IndexByte(s, '=')
	head := s
	if eq >= 0 {
		head = strings.TrimSpace(s[:eq])
	}
	word, rest := firstWord(s)
	if f := anyField(word); f != nil && (eq < 0 || head != word) {
		// "PrivateKey yAnz...=": the padding of the key is not the "=".
		// The key has its line, so no "missing" error follows.
		p.errs.add(p.line, f.name, noEquals(f, rest))
		if !p.skip {
			p.pos.set(p.section, len(p.cfg.Peers)-1, f.name, p.line)
		}
		return
	}
	if keyLike(head) {
		p.errs.add(p.line, "", "this line looks like a key without a name; write it as "+
			"\"PrivateKey = <key>\" under [Interface] or \"PublicKey = <key>\" under [Peer]")
		return
	}
	if eq < 0 {
		p.errs.add(p.line, "", theLine(s)+" has no \"=\"; each line is a [Section] or Key = Value")
		return
	}
	if head == "" {
		p.errs.add(p.line, "", theLine(s)+" has no key before \"=\"; write Key = Value")
		return
	}
	// Only the first word names the key in a message: the rest of a line
	// like "Private Key = ..." may be anything.
	name := clip(word)
	value := strings.TrimSpace(s[eq+1:])
	if p.skip {
		return
	}
	var fields map[string]*field
	switch p.section {
	case interfaceSection:
		fields = interfaceFields
	case peerSection:
		fields = peerFields
	default:
		p.errs.add(p.line, name, "this key comes before any section; put it under [Interface] or [Peer]")
		return
	}
	f := fields[strings.ToLower(name)]
	if f == nil {
		if amneziaKeys[strings.ToLower(name)] {
			if !p.sawAmnezia {
				p.errs.add(p.line, name, fmt.Sprintf("%s is an AmneziaWG setting, which WireGuard does not have; "+
					"wgtray imports WireGuard configs, so get a plain WireGuard config from your provider", name))
			}
			p.sawAmnezia = true // one error for all of them
			return
		}
		p.errs.add(p.line, name, p.unknownKey(name))
		return
	}
	if !f.repeatable {
		if first, ok := p.seen[f.name]; ok {
			p.errs.add(p.line, f.name, fmt.Sprintf("%s is already set on line %d and may appear only once in a section; keep one of them", f.name, first))
			return
		}
		p.seen[f.name] = p.line
	}
	p.pos.set(p.section, len(p.cfg.Peers)-1, f.name, p.line)
	if value == "" && !f.repeatable {
		p.errs.add(p.line, f.name, fmt.Sprintf("%s has no value; give one or remove the line", f.name))
		return
	}
	if msg := f.parse(&p.cfg, value); msg != "" {
		p.errs.add(p.line, f.name, msg)
	}
	for len(p.pos.addresses) < len(p.cfg.Interface.Addresses) {
		p.pos.addresses = append(p.pos.addresses, p.line)
	}
}

// amneziaKeys are the obfuscation settings of AmneziaWG, a WireGuard fork
// whose configs look like wg-quick files.
var amneziaKeys = map[string]bool{
	"jc": true, "jmin": true, "jmax": true, "s1": true, "s2": true, "s3": true, "s4": true,
	"h1": true, "h2": true, "h3": true, "h4": true,
	"i1": true, "i2": true, "i3": true, "i4": true, "i5": true, "j1": true, "j2": true, "j3": true, "itime": true,
}

func (p *parser) unknownKey(name string) string {
	lower := strings.ToLower(name)
	if p.section == interfaceSection && peerFields[lower] != nil {
		return fmt.Sprintf("%s belongs in a [Peer] section, not in [Interface]; move it below a [Peer] line", peerFields[lower].name)
	}
	if p.section == peerSection && interfaceFields[lower] != nil {
		return fmt.Sprintf("%s belongs in the [Interface] section, not in [Peer]; move it up to [Interface]", interfaceFields[lower].name)
	}
	if p.section == interfaceSection {
		return "unknown key in [Interface]; the keys here are PrivateKey, ListenPort, FwMark, Address, DNS, MTU, Table, PreUp, PostUp, PreDown, PostDown and SaveConfig"
	}
	return "unknown key in [Peer]; the keys here are PublicKey, PresharedKey, AllowedIPs, Endpoint and PersistentKeepalive"
}

func (p *parser) parseHeader(s string) {
	p.sawSection = true
	end := strings.IndexByte(s, ']')
	if end < 0 || end != len(s)-1 {
		p.errs.add(p.line, "", fmt.Sprintf("the section header %q is malformed; write [Interface] or [Peer] alone on the line", clip(s)))
		p.skip = true
		return
	}
	clear(p.seen)
	p.skip = false
	switch name := strings.TrimSpace(s[1:end]); strings.ToLower(name) {
	case "interface":
		if p.sawIface {
			p.errs.add(p.line, "", fmt.Sprintf("a second [Interface] section (the first is on line %d); a config has exactly one, so merge them", p.pos.ifaceLine))
			p.skip = true
			return
		}
		p.sawIface = true
		p.section = interfaceSection
		p.pos.ifaceLine = p.line
	case "peer":
		p.section = peerSection
		p.cfg.Peers = append(p.cfg.Peers, Peer{})
		p.pos.peers = append(p.pos.peers, peerPos{line: p.line})
	default:
		want := "a config has one [Interface] section and [Peer] sections"
		switch lower := strings.ToLower(name); {
		case strings.Contains(lower, "peer"):
			want = "write [Peer] for each peer"
		case strings.Contains(lower, "interface"):
			want = "write [Interface]"
		}
		p.errs.add(p.line, "", fmt.Sprintf("unknown section [%s]; %s", clip(name), want))
		p.skip = true
	}
}

// firstWord splits a line into its first word, which ends at a space, "="
// or ":", and the rest after that separator.
func firstWord(s string) (word, rest string) {
	i := strings.IndexAny(s, " \t=:")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(strings.TrimLeft(s[i:], " \t:"))
}

// anyField is the key named word in any section, or nil.
func anyField(word string) *field {
	lower := strings.ToLower(word)
	if f := interfaceFields[lower]; f != nil {
		return f
	}
	return peerFields[lower]
}

// noEquals tells how to write the line of key f that lacks its "=".
func noEquals(f *field, rest string) string {
	value := "<value>"
	switch {
	case strings.HasSuffix(f.name, "Key"):
		value = "<key>"
	case rest != "" && !keyLike(rest):
		value = clip(rest)
	}
	return fmt.Sprintf("there is no \"=\" after %s; write \"%s = %s\"", f.name, f.name, value)
}

// theLine names a line in a message, quoting it unless it may hold a key.
func theLine(s string) string {
	word, _ := firstWord(s)
	if keyLike(s) || strings.EqualFold(word, "PrivateKey") || strings.EqualFold(word, "PresharedKey") {
		return "the line"
	}
	return fmt.Sprintf("the line %q", clip(s))
}

// keyLike reports whether s may hold a key or most of one, which an error
// message must not repeat: 40 base64 characters in a row (a hex key too),
// or 24 mixing upper and lower case with digits, "+" or "/" as random
// base64 does and words do not.
func keyLike(s string) bool {
	notBase64 := func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '+' || r == '/')
	}
	for _, run := range strings.FieldsFunc(s, notBase64) {
		if len(run) >= 40 || len(run) >= 24 && strings.ContainsAny(run, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") &&
			strings.ContainsAny(run, "abcdefghijklmnopqrstuvwxyz") && strings.ContainsAny(run, "0123456789+/") {
			return true
		}
	}
	return false
}

// hiddenKey stands in a message for text that may be a key.
const hiddenKey = "<hidden, it looks like a key>"

// clip shortens text quoted in an error message and hides what may be a
// key.
func clip(s string) string {
	const max = 40
	if keyLike(s) {
		return hiddenKey
	}
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// field is one key of a section. parse stores the value in the config and
// returns an error message, or "".
type field struct {
	name       string
	repeatable bool
	parse      func(c *Config, v string) string
}

var interfaceFields, peerFields map[string]*field

func init() {
	interfaceFields = fieldMap(
		&field{name: "PrivateKey", parse: func(c *Config, v string) string {
			return parseKey(&c.Interface.PrivateKey, "PrivateKey", v, "the output of wg genkey")
		}},
		&field{name: "ListenPort", parse: func(c *Config, v string) string {
			n, msg := parseNumber(v, 0, 65535, "ListenPort", "a UDP port from 1 to 65535, or 0 or no ListenPort line for a random one")
			c.Interface.ListenPort = uint16(n)
			return msg
		}},
		&field{name: "FwMark", parse: func(c *Config, v string) string { return parseFwMark(&c.Interface.FwMark, v) }},
		&field{name: "Address", repeatable: true, parse: func(c *Config, v string) string {
			return parseList(v, func(item string) string {
				pfx, msg := parsePrefix("Address", item, false)
				if msg == "" {
					c.Interface.Addresses = append(c.Interface.Addresses, pfx)
				}
				return msg
			})
		}},
		&field{name: "DNS", repeatable: true, parse: func(c *Config, v string) string {
			return parseList(v, func(item string) string { return parseDNS(&c.Interface, item) })
		}},
		&field{name: "MTU", parse: func(c *Config, v string) string {
			n, msg := parseNumber(v, 1, 65535, "MTU", fmt.Sprintf("a number from %d to %d, or no MTU line for automatic", minMTU, maxMTU))
			c.Interface.MTU = int(n)
			return msg
		}},
		&field{name: "Table", parse: func(c *Config, v string) string { return parseTable(&c.Interface.Table, v) }},
		&field{name: "PreUp", repeatable: true, parse: func(c *Config, v string) string {
			c.Interface.PreUp = appendHook(c.Interface.PreUp, v)
			return ""
		}},
		&field{name: "PostUp", repeatable: true, parse: func(c *Config, v string) string {
			c.Interface.PostUp = appendHook(c.Interface.PostUp, v)
			return ""
		}},
		&field{name: "PreDown", repeatable: true, parse: func(c *Config, v string) string {
			c.Interface.PreDown = appendHook(c.Interface.PreDown, v)
			return ""
		}},
		&field{name: "PostDown", repeatable: true, parse: func(c *Config, v string) string {
			c.Interface.PostDown = appendHook(c.Interface.PostDown, v)
			return ""
		}},
		&field{name: "SaveConfig", parse: func(c *Config, v string) string {
			switch strings.ToLower(v) {
			case "true":
				c.Interface.SaveConfig = true
			case "false":
				c.Interface.SaveConfig = false
			default:
				return fmt.Sprintf("SaveConfig %q is neither true nor false; write true or false", clip(v))
			}
			return ""
		}},
	)
	peerFields = fieldMap(
		&field{name: "PublicKey", parse: func(c *Config, v string) string {
			return parseKey(&lastPeer(c).PublicKey, "PublicKey", v, "the peer's public key")
		}},
		&field{name: "PresharedKey", parse: func(c *Config, v string) string {
			return parseKey(&lastPeer(c).PresharedKey, "PresharedKey", v, "the output of wg genpsk")
		}},
		&field{name: "AllowedIPs", repeatable: true, parse: func(c *Config, v string) string {
			peer := lastPeer(c)
			return parseList(v, func(item string) string {
				pfx, msg := parsePrefix("AllowedIPs", item, true)
				if msg == "" {
					peer.AllowedIPs = append(peer.AllowedIPs, pfx)
				}
				return msg
			})
		}},
		&field{name: "Endpoint", parse: func(c *Config, v string) string {
			ep, msg := parseEndpoint(v)
			lastPeer(c).Endpoint = ep
			return msg
		}},
		&field{name: "PersistentKeepalive", parse: func(c *Config, v string) string {
			if strings.EqualFold(v, "off") {
				return ""
			}
			n, msg := parseNumber(v, 0, 65535, "PersistentKeepalive", "a number of seconds from 1 to 65535 (25 is usual), or off")
			lastPeer(c).PersistentKeepalive = uint16(n)
			return msg
		}},
	)
}

func fieldMap(fields ...*field) map[string]*field {
	m := make(map[string]*field, len(fields))
	for _, f := range fields {
		m[strings.ToLower(f.name)] = f
	}
	return m
}

func lastPeer(c *Config) *Peer { return &c.Peers[len(c.Peers)-1] }

func appendHook(hooks []string, v string) []string {
	if v == "" {
		return hooks // wg-quick runs nothing for it
	}
	return append(hooks, v)
}

func parseKey(k *Key, name, v, want string) string {
	if len(v) != 44 || v[43] != '=' {
		return fmt.Sprintf("%s must be 44 characters of base64 ending in \"=\" (%s), not %d characters", name, want, len(v))
	}
	key, err := ParseKey(v)
	if err != nil {
		return fmt.Sprintf("%s is not valid base64; it must be 44 characters of base64 (%s)", name, want)
	}
	if key.IsZero() {
		return fmt.Sprintf("%s is all zeros, which WireGuard treats as no key; use %s", name, want)
	}
	*k = key
	return ""
}

// parseNumber reads a decimal number from min to max.
func parseNumber(v string, min, max uint64, name, want string) (uint64, string) {
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, fmt.Sprintf("%s %q is not a number; it must be %s", name, clip(v), want)
	}
	if err != nil || n < min || n > max {
		return 0, fmt.Sprintf("%s %q is out of range; it must be %s", name, clip(v), want)
	}
	return n, ""
}

func parseFwMark(mark *uint32, v string) string {
	if strings.EqualFold(v, "off") {
		*mark = 0
		return ""
	}
	var n uint64
	var err error
	if strings.HasPrefix(v, "0x") || strings.HasPrefix(v, "0X") {
		n, err = strconv.ParseUint(v[2:], 16, 32)
	} else if len(v) > 1 && v[0] == '0' {
		return fmt.Sprintf("FwMark %q has a leading zero, which wg(8) reads as octal; write it in decimal or as 0x...", clip(v))
	} else {
		n, err = strconv.ParseUint(v, 10, 32)
	}
	if err != nil {
		return fmt.Sprintf("FwMark %q is not valid; write a number from 0 to 4294967295 in decimal or as hex 0x..., or off", clip(v))
	}
	*mark = uint32(n)
	return ""
}

func parseTable(t *Table, v string) string {
	switch strings.ToLower(v) {
	case "off":
		*t = Table{Off: true}
		return ""
	case "auto":
		*t = Table{}
		return ""
	case "main":
		*t = Table{ID: 254}
		return ""
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n == 0 {
		return fmt.Sprintf("Table %q is not valid; write off, auto, main or a routing table number from 1 to 4294967295", clip(v))
	}
	*t = Table{ID: uint32(n)}
	return ""
}

// parseList calls item for each entry of a list separated by commas or
// spaces, as wg-quick splits it, and returns the first error message.
func parseList(v string, item func(string) string) string {
	var first string
	for len(v) > 0 {
		i := strings.IndexAny(v, ", \t")
		var s string
		if i < 0 {
			s, v = v, ""
		} else {
			s, v = v[:i], v[i+1:]
		}
		if s == "" {
			continue
		}
		if msg := item(s); msg != "" && first == "" {
			first = msg
		}
	}
	return first
}

// parsePrefix reads ADDR or ADDR/BITS. A bare address is a host route. With
// mask, host bits are cleared as wg(8) does for AllowedIPs.
func parsePrefix(name, s string, mask bool) (netip.Prefix, string) {
	addrText, bitsText, hasBits := strings.Cut(s, "/")
	addr, err := netip.ParseAddr(addrText)
	if err != nil {
		return netip.Prefix{}, fmt.Sprintf("%s %q is not an IP address with an optional /prefix length, like 10.0.0.2/24 or fd00::2/64", name, clip(s))
	}
	if addr.Zone() != "" {
		return netip.Prefix{}, fmt.Sprintf("%s %q has a zone (%%%s), which an address here cannot have; remove it", name, clip(s), addr.Zone())
	}
	bits := addr.BitLen()
	if hasBits {
		n, err := strconv.Atoi(bitsText)
		if err != nil || n < 0 || n > addr.BitLen() || bitsText[0] == '+' || len(bitsText) > 1 && bitsText[0] == '0' {
			return netip.Prefix{}, fmt.Sprintf("%s %q has an invalid prefix length; it must be a number from 0 to %d for an %s", name, clip(s), addr.BitLen(), family(addr))
		}
		bits = n
	}
	pfx := netip.PrefixFrom(addr, bits)
	if mask {
		pfx = pfx.Masked()
	}
	return pfx, ""
}

func family(a netip.Addr) string {
	if a.Is4() {
		return "IPv4 address"
	}
	return "IPv6 address"
}

func parseDNS(iface *Interface, s string) string {
	if addr, err := netip.ParseAddr(s); err == nil {
		iface.DNS = append(iface.DNS, addr)
		return ""
	}
	if msg := checkDomain(s); msg != "" {
		return fmt.Sprintf("DNS %q is neither an IP address nor a search domain: %s", clip(s), msg)
	}
	iface.DNSSearch = append(iface.DNSSearch, s)
	return ""
}

// ParseEndpoint reads an endpoint as the Endpoint key takes it.
func ParseEndpoint(v string) (Endpoint, error) {
	ep, msg := parseEndpoint(v)
	if msg != "" {
		return Endpoint{}, errors.New(msg)
	}
	return ep, nil
}

// parseEndpoint reads HOST:PORT, [IPV6]:PORT or NAME:PORT.
func parseEndpoint(v string) (Endpoint, string) {
	var host, port string
	if strings.HasPrefix(v, "[") {
		end := strings.IndexByte(v, ']')
		if end < 0 {
			return Endpoint{}, fmt.Sprintf("Endpoint %q has no closing \"]\"; write an IPv6 endpoint as [2001:db8::1]:51820", clip(v))
		}
		host = v[1:end]
		rest := v[end+1:]
		if rest == "" {
			return Endpoint{}, fmt.Sprintf("Endpoint %q has no port; add one, as in [%s]:51820", clip(v), clip(host))
		}
		if rest[0] != ':' {
			return Endpoint{}, fmt.Sprintf("Endpoint %q must have \":PORT\" right after \"]\", as in [%s]:51820", clip(v), clip(host))
		}
		port = rest[1:]
		addr, err := netip.ParseAddr(host)
		if err != nil {
			return Endpoint{}, fmt.Sprintf("Endpoint %q has %q in brackets, which is not an IP address; brackets are for IPv6 addresses like [2001:db8::1]:51820", clip(v), clip(host))
		}
		host = addr.String()
	} else {
		i := strings.LastIndexByte(v, ':')
		if i < 0 {
			return Endpoint{}, fmt.Sprintf("Endpoint %q has no port; add one, as in %s:51820", clip(v), clip(v))
		}
		host, port = v[:i], v[i+1:]
		if strings.Contains(host, ":") {
			if _, err := netip.ParseAddr(v); err == nil {
				return Endpoint{}, fmt.Sprintf("Endpoint %q is an IPv6 address without a port; write it as [%s]:51820", clip(v), clip(v))
			}
			if _, err := netip.ParseAddr(host); err == nil {
				return Endpoint{}, fmt.Sprintf("Endpoint %q is an IPv6 address without brackets; write it as [%s]:%s", clip(v), clip(host), clip(port))
			}
			return Endpoint{}, fmt.Sprintf("Endpoint %q has more than one colon; write HOST:PORT, or [IPv6]:PORT with brackets around an IPv6 address", clip(v))
		}
		if host == "" {
			return Endpoint{}, fmt.Sprintf("Endpoint %q has no host; write HOST:PORT, as in vpn.example.org:51820", clip(v))
		}
		if addr, err := netip.ParseAddr(host); err == nil {
			host = addr.String()
		} else if msg := checkHost(host); msg != "" {
			return Endpoint{}, fmt.Sprintf("Endpoint %q: %s", clip(v), msg)
		}
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		if port == "" {
			return Endpoint{}, fmt.Sprintf("Endpoint %q has an empty port; write a port from 1 to 65535 after the colon", clip(v))
		}
		if !errors.Is(err, strconv.ErrRange) && n == 0 && strings.Trim(port, "0123456789") != "" {
			return Endpoint{}, fmt.Sprintf("Endpoint %q has port %q, which is not a number; a port is a number from 1 to 65535", clip(v), clip(port))
		}
		return Endpoint{}, fmt.Sprintf("Endpoint %q has port %q, which is out of range; a port is a number from 1 to 65535", clip(v), clip(port))
	}
	return Endpoint{Host: host, Port: uint16(n)}, ""
}
