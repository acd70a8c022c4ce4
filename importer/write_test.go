package importer

import (
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
)

// fullConfig sets every setting.
func fullConfig() *Config {
	return &Config{
		Interface: Interface{
			PrivateKey: testPriv,
			ListenPort: 51820,
			FwMark:     0xca6c,
			Addresses:  []netip.Prefix{confPrefix("10.0.0.2/24"), confPrefix("fd00::2/64")},
			DNS:        []netip.Addr{netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("fd00::1")},
			DNSSearch:  []string{"example.com"},
			MTU:        1420,
			Table:      Table{Off: true},
			PreUp:      []string{"true"},
			PostUp:     []string{"echo up %i", "logger up"},
			PreDown:    []string{"echo pre"},
			PostDown:   []string{"echo down"},
			SaveConfig: true,
		},
		Peers: []Peer{
			{
				PublicKey:           peerPub,
				PresharedKey:        peerPSK,
				AllowedIPs:          []netip.Prefix{confPrefix("0.0.0.0/0"), confPrefix("::/0")},
				Endpoint:            Endpoint{Host: "2001:db8::1", Port: 51820},
				PersistentKeepalive: 25,
			},
			{PublicKey: peerPub2},
		},
	}
}

func TestStringWritesCanonicalWgQuickText(t *testing.T) {
	c := fullConfig()
	want := `[Interface]
PrivateKey = +HEKC1gzD6J9I398fAiVxQCuESDUJxkLx+VWakQgaF4=
ListenPort = 51820
FwMark = 0xca6c
Address = 10.0.0.2/24, fd00::2/64
DNS = 10.0.0.1, fd00::1, example.com
MTU = 1420
Table = off
PreUp = true
PostUp = echo up %i
PostUp = logger up
PreDown = echo pre
PostDown = echo down
SaveConfig = true

[Peer]
PublicKey = JzPY7FImwY86pr+OopAYjwidUa2TTvQUaxg6Eaii6wQ=
PresharedKey = wg23i7yGb9/XiHbU9dkcLMOiaoCqPzuSfzcqnCQy4G4=
AllowedIPs = 0.0.0.0/0, ::/0
Endpoint = [2001:db8::1]:51820
PersistentKeepalive = 25

[Peer]
PublicKey = Proa1waNDUX3zpgCWlZrugIcdj9iHFWscGCOZu9xMxM=
`
	if got := c.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	checkRoundTrip(t, c)

	hidden := c.RedactedString()
	if strings.Contains(hidden, testPriv.String()) || strings.Contains(hidden, peerPSK.String()) {
		t.Errorf("RedactedString shows a secret:\n%s", hidden)
	}
	if strings.Count(hidden, "= (hidden)") != 2 {
		t.Errorf("RedactedString does not mark both secrets hidden:\n%s", hidden)
	}
	if strings.ReplaceAll(strings.ReplaceAll(want, testPriv.String(), "(hidden)"), peerPSK.String(), "(hidden)") != hidden {
		t.Errorf("RedactedString differs from String beyond the secrets:\n%s", hidden)
	}
}

func TestRoundTripOfGeneratedConfigs(t *testing.T) {
	for seed := range uint64(500) {
		c := randomConfig(rand.New(rand.NewPCG(seed, 0x5eed)))
		if err := c.Validate(); err != nil {
			t.Fatalf("seed %d: generated config is invalid: %v\n%s", seed, err, c)
		}
		checkRoundTrip(t, c)
	}
}

// randomConfig makes a valid config that uses every setting in some of the
// ways the format allows, with nil for empty lists as Parse returns them.
func randomConfig(r *rand.Rand) *Config {
	c := &Config{}
	i := &c.Interface
	i.PrivateKey = randomKey(r)
	if r.IntN(3) == 0 {
		i.ListenPort = uint16(r.IntN(65536))
	}
	if r.IntN(4) == 0 {
		i.FwMark = r.Uint32()
	}
	for range r.IntN(4) {
		i.Addresses = append(i.Addresses, randomPrefix(r, false))
	}
	for range r.IntN(3) {
		i.DNS = append(i.DNS, randomPrefix(r, false).Addr())
	}
	for range r.IntN(3) {
		i.DNSSearch = append(i.DNSSearch, randomHost(r))
	}
	if r.IntN(3) == 0 {
		i.MTU = minMTUIPv6 + r.IntN(maxMTU-minMTUIPv6+1)
	}
	switch r.IntN(4) {
	case 0:
		i.Table = Table{Off: true}
	case 1:
		i.Table = Table{ID: 1 + r.Uint32N(1<<32-1)}
	}
	i.PreUp = randomHooks(r)
	i.PostUp = randomHooks(r)
	i.PreDown = randomHooks(r)
	i.PostDown = randomHooks(r)
	i.SaveConfig = r.IntN(2) == 0
	self := i.PrivateKey.Public()
	for range r.IntN(5) {
		p := Peer{PublicKey: randomKey(r)}
		if p.PublicKey == self {
			continue
		}
		if r.IntN(2) == 0 {
			p.PresharedKey = randomKey(r)
		}
		for range r.IntN(4) {
			p.AllowedIPs = append(p.AllowedIPs, randomPrefix(r, true))
		}
		switch r.IntN(4) {
		case 0:
			p.Endpoint = Endpoint{Host: randomPrefix(r, false).Addr().String(), Port: uint16(1 + r.IntN(65535))}
		case 1:
			p.Endpoint = Endpoint{Host: randomHost(r), Port: uint16(1 + r.IntN(65535))}
		}
		if r.IntN(2) == 0 {
			p.PersistentKeepalive = uint16(r.IntN(65536))
		}
		c.Peers = append(c.Peers, p)
	}
	return c
}

func randomKey(r *rand.Rand) Key {
	var k Key
	for k.IsZero() {
		for j := range k {
			k[j] = byte(r.Uint32())
		}
	}
	return k
}

func randomPrefix(r *rand.Rand, masked bool) netip.Prefix {
	var a netip.Addr
	if r.IntN(2) == 0 {
		var b [4]byte
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		a = netip.AddrFrom4(b)
	} else {
		var b [16]byte
		for j := range b {
			b[j] = byte(r.Uint32())
		}
		if r.IntN(2) == 0 {
			clear(b[2:14]) // short forms with ::
		}
		a = netip.AddrFrom16(b)
	}
	p := netip.PrefixFrom(a, r.IntN(a.BitLen()+1))
	if masked {
		p = p.Masked()
	}
	return p
}

func randomHost(r *rand.Rand) string {
	const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"
	labels := make([]string, 1+r.IntN(4))
	for j := range labels {
		b := make([]byte, 1+r.IntN(12))
		for k := range b {
			b[k] = chars[r.IntN(len(chars))]
		}
		b[0], b[len(b)-1] = 'a'+byte(r.IntN(26)), 'a'+byte(r.IntN(26))
		labels[j] = string(b)
	}
	return strings.Join(labels, ".")
}

func randomHooks(r *rand.Rand) []string {
	const chars = "abc xyz;|&$%'\"=[]{}()<>\\/.,:-_+*?!~`^\t0123456789é→"
	var hooks []string
	for range r.IntN(3) {
		runes := []rune(chars)
		b := make([]rune, 1+r.IntN(40))
		for k := range b {
			b[k] = runes[r.IntN(len(runes))]
		}
		if s := strings.TrimSpace(string(b)); s != "" {
			hooks = append(hooks, s)
		}
	}
	return hooks
}
