package importer

import (
	"math/rand/v2"
	"net/netip"
	"os"
	"testing"
)

// typicalConfigs returns n configs as users import them: the testdata
// files and client configs like providers hand out (one or two peers,
// addresses, DNS, an endpoint), each with its own keys.
func typicalConfigs(b *testing.B, n int) [][]byte {
	var configs [][]byte
	for _, file := range confFiles(b, "good") {
		data, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		configs = append(configs, data)
	}
	r := rand.New(rand.NewPCG(10000, 1))
	for len(configs) < n {
		c := &Config{Interface: Interface{
			PrivateKey: randomKey(r),
			Addresses:  []netip.Prefix{netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(r.IntN(256)), byte(r.IntN(256)), 2}), 32), confPrefix("fd00::2/128")},
			DNS:        []netip.Addr{netip.MustParseAddr("10.64.0.1")},
		}}
		for range 1 + r.IntN(2) {
			c.Peers = append(c.Peers, Peer{
				PublicKey:           randomKey(r),
				PresharedKey:        randomKey(r),
				AllowedIPs:          []netip.Prefix{confPrefix("0.0.0.0/0"), confPrefix("::/0")},
				Endpoint:            Endpoint{Host: "se-sto-wg-001.example.net", Port: 51820},
				PersistentKeepalive: 25,
			})
		}
		configs = append(configs, []byte(c.String()))
	}
	return configs[:n]
}

// BenchmarkParse10000Configs reports, as ns/op, the time to parse and
// validate 10,000 typical configs; issue 2 wants under a second.
func BenchmarkParse10000Configs(b *testing.B) {
	configs := typicalConfigs(b, 10000)
	b.ReportAllocs()
	for b.Loop() {
		for _, data := range configs {
			if _, err := Parse("bench.conf", data); err != nil {
				b.Fatal(err)
			}
		}
	}
}
