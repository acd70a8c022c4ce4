package importer

import (
	"errors"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var updateConf = flag.Bool("update-conf", false, "rewrite the .want files in testdata/conf")

// Keys made with wg genkey / wg pubkey / wg genpsk for these tests.
var (
	testPriv = testKey("+HEKC1gzD6J9I398fAiVxQCuESDUJxkLx+VWakQgaF4=")
	testPub  = testKey("LEfmP9WpitCG0z78vz0YrGsCsHBMl424MJQNS53Zw1I=") // of testPriv
	peerPub  = testKey("JzPY7FImwY86pr+OopAYjwidUa2TTvQUaxg6Eaii6wQ=")
	peerPub2 = testKey("Proa1waNDUX3zpgCWlZrugIcdj9iHFWscGCOZu9xMxM=")
	peerPSK  = testKey("wg23i7yGb9/XiHbU9dkcLMOiaoCqPzuSfzcqnCQy4G4=")
)

func testKey(s string) Key {
	k, err := ParseKey(s)
	if err != nil {
		panic(err)
	}
	return k
}

func confFiles(t testing.TB, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("testdata", "conf", dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var confs []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".want") {
			confs = append(confs, f)
		}
	}
	if len(confs) == 0 {
		t.Fatalf("no files in testdata/conf/%s", dir)
	}
	return confs
}

func confParseFile(t testing.TB, file string) (*Config, error) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return Parse(filepath.Base(file), data)
}

// confGolden compares got with the .want file next to name, or writes it with
// -update.
func confGolden(t *testing.T, name, got string) {
	t.Helper()
	wantFile := strings.TrimSuffix(name, filepath.Ext(name)) + ".want"
	if *updateConf {
		if err := os.WriteFile(wantFile, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(wantFile)
	if err != nil {
		t.Fatalf("%v (run go test -update-conf to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s: got\n%s\nwant (%s)\n%s", name, got, wantFile, want)
	}
}

func TestParseAcceptsRealWorldConfigs(t *testing.T) {
	for _, file := range confFiles(t, "good") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			c, err := confParseFile(t, file)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			confGolden(t, file, c.String())
			checkRoundTrip(t, c)
		})
	}
}

func checkRoundTrip(t *testing.T, c *Config) {
	t.Helper()
	text := c.String()
	back, err := Parse("canonical.conf", []byte(text))
	if err != nil {
		t.Fatalf("canonical text does not parse: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(back, c) {
		t.Fatalf("round trip changed the config:\n%#v\n%#v\ntext:\n%s", c, back, text)
	}
	if again := back.String(); again != text {
		t.Fatalf("canonical text is not stable:\n%s\n---\n%s", text, again)
	}
}

func TestParseRejectsBrokenConfigs(t *testing.T) {
	for _, file := range confFiles(t, "bad") {
		t.Run(filepath.Base(file), func(t *testing.T) {
			c, err := confParseFile(t, file)
			if err == nil {
				t.Fatalf("Parse accepted it:\n%s", c)
			}
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("error is %T, not Errors", err)
			}
			confGolden(t, file, err.Error()+"\n")
		})
	}
}

// The rejections issue 2 lists, each with the line and key a user must see.
func TestParseRejectionsNameLineAndKey(t *testing.T) {
	tests := []struct {
		file string
		line int
		key  string
	}{
		{"short-private-key.conf", 2, "PrivateKey"},
		{"short-public-key.conf", 6, "PublicKey"},
		{"missing-private-key.conf", 2, "PrivateKey"},
		{"bad-prefix-length.conf", 3, "Address"},
		{"bad-prefix-length-ipv6.conf", 7, "AllowedIPs"},
		{"endpoint-port-out-of-range.conf", 8, "Endpoint"},
		{"listen-port-out-of-range.conf", 3, "ListenPort"},
		{"unknown-section.conf", 5, ""},
		{"peer-without-public-key.conf", 9, "PublicKey"},
		{"duplicate-peers.conf", 14, "PublicKey"},
		{"line-without-equals.conf", 3, "Address"},
		{"private-key-without-equals.conf", 2, "PrivateKey"},
		{"preshared-key-without-equals.conf", 8, "PresharedKey"},
		{"bare-key.conf", 8, ""},
		{"endpoint-without-port.conf", 8, "Endpoint"},
		{"endpoint-ipv6-without-brackets.conf", 8, "Endpoint"},
		{"binary-garbage.conf", 0, ""},
		{"unknown-key.conf", 4, "Color"},
		{"amneziawg-keys.conf", 4, "Jc"},
		{"duplicate-interface.conf", 9, ""},
		{"repeated-key.conf", 5, "ListenPort"},
		{"peer-is-self.conf", 6, "PublicKey"},
		{"mtu-out-of-range.conf", 4, "MTU"},
		{"utf16-endpoint-without-port.conf", 7, "Endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := confParseFile(t, filepath.Join("testdata", "conf", "bad", tt.file))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("got %v, want Errors", err)
			}
			if len(errs) != 1 {
				t.Fatalf("got %d errors, want 1:\n%v", len(errs), err)
			}
			e := errs[0]
			if e.File != tt.file || e.Line != tt.line || e.Key != tt.key {
				t.Errorf("got %s:%d key %q, want %s:%d key %q (%v)", e.File, e.Line, e.Key, tt.file, tt.line, tt.key, e)
			}
		})
	}
}

// confText builds a file from [Interface] lines after PrivateKey (from line
// 3) and [Peer] lines after PublicKey.
func confText(iface, peer string) string {
	s := "[Interface]\nPrivateKey = " + testPriv.String() + "\n" + iface
	if peer != "\x00" {
		s += "[Peer]\nPublicKey = " + peerPub.String() + "\n" + peer
	}
	return s
}

func confBase() *Config {
	return &Config{Interface: Interface{PrivateKey: testPriv}, Peers: []Peer{{PublicKey: peerPub}}}
}

func confPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func TestParseAcceptsEveryForm(t *testing.T) {
	tests := []struct {
		name        string
		iface, peer string
		want        func(c *Config)
	}{
		{"bare IPv4 address is /32", "Address = 10.0.0.2\n", "", func(c *Config) {
			c.Interface.Addresses = []netip.Prefix{confPrefix("10.0.0.2/32")}
		}},
		{"bare IPv6 address is /128", "Address = fd00::2\n", "", func(c *Config) {
			c.Interface.Addresses = []netip.Prefix{confPrefix("fd00::2/128")}
		}},
		{"address keeps host bits", "Address = 10.0.0.2/24\n", "", func(c *Config) {
			c.Interface.Addresses = []netip.Prefix{confPrefix("10.0.0.2/24")}
		}},
		{"address list and repeats in order", "Address = 10.0.0.2/24,fd00::2/64\nAddress = 10.1.0.2/16 10.2.0.2/16\n", "", func(c *Config) {
			c.Interface.Addresses = []netip.Prefix{confPrefix("10.0.0.2/24"), confPrefix("fd00::2/64"), confPrefix("10.1.0.2/16"), confPrefix("10.2.0.2/16")}
		}},
		{"allowed IPs are masked like wg does", "", "AllowedIPs = 10.1.2.3/8, fd00::1/64, 192.168.1.1\n", func(c *Config) {
			c.Peers[0].AllowedIPs = []netip.Prefix{confPrefix("10.0.0.0/8"), confPrefix("fd00::/64"), confPrefix("192.168.1.1/32")}
		}},
		{"empty AllowedIPs", "", "AllowedIPs =\n", func(*Config) {}},
		{"DNS servers and search domains", "DNS = 1.1.1.1, example.com,2606:4700::1111 corp.example.org.\n", "", func(c *Config) {
			c.Interface.DNS = []netip.Addr{netip.MustParseAddr("1.1.1.1"), netip.MustParseAddr("2606:4700::1111")}
			c.Interface.DNSSearch = []string{"example.com", "corp.example.org."}
		}},
		{"listen port", "ListenPort = 51820\n", "", func(c *Config) { c.Interface.ListenPort = 51820 }},
		{"listen port 0 is random", "ListenPort = 0\n", "", func(*Config) {}},
		{"fwmark decimal", "FwMark = 51820\n", "", func(c *Config) { c.Interface.FwMark = 51820 }},
		{"fwmark hex", "FwMark = 0xCA6C\n", "", func(c *Config) { c.Interface.FwMark = 0xca6c }},
		{"fwmark off", "FwMark = off\n", "", func(*Config) {}},
		{"fwmark max", "FwMark = 0xffffffff\n", "", func(c *Config) { c.Interface.FwMark = 0xffffffff }},
		{"MTU", "MTU = 1420\n", "", func(c *Config) { c.Interface.MTU = 1420 }},
		{"MTU 576 for IPv4 only", "Address = 10.0.0.2/32\nMTU = 576\n", "", func(c *Config) {
			c.Interface.Addresses = []netip.Prefix{confPrefix("10.0.0.2/32")}
			c.Interface.MTU = 576
		}},
		{"MTU 9000", "MTU = 9000\n", "", func(c *Config) { c.Interface.MTU = 9000 }},
		{"table off", "Table = off\n", "", func(c *Config) { c.Interface.Table = Table{Off: true} }},
		{"table auto", "Table = Auto\n", "", func(*Config) {}},
		{"table main is 254", "Table = main\n", "", func(c *Config) { c.Interface.Table = Table{ID: 254} }},
		{"table number", "Table = 51820\n", "", func(c *Config) { c.Interface.Table = Table{ID: 51820} }},
		{"hooks verbatim and repeatable", "PreUp = echo 'a  b' = c\nPostUp = ip rule add table 200; true\nPostUp = logger up %i\nPreDown = a\nPostDown = b   # comment\n", "", func(c *Config) {
			c.Interface.PreUp = []string{"echo 'a  b' = c"}
			c.Interface.PostUp = []string{"ip rule add table 200; true", "logger up %i"}
			c.Interface.PreDown = []string{"a"}
			c.Interface.PostDown = []string{"b"}
		}},
		{"empty hook runs nothing", "PostUp =\n", "", func(*Config) {}},
		{"save config true", "SaveConfig = true\n", "", func(c *Config) { c.Interface.SaveConfig = true }},
		{"save config false", "SaveConfig = False\n", "", func(*Config) {}},
		{"preshared key", "", "PresharedKey = " + peerPSK.String() + "\n", func(c *Config) { c.Peers[0].PresharedKey = peerPSK }},
		{"endpoint IPv4", "", "Endpoint = 192.0.2.1:51820\n", func(c *Config) { c.Peers[0].Endpoint = Endpoint{"192.0.2.1", 51820} }},
		{"endpoint IPv6 in brackets is canonical", "", "Endpoint = [2001:DB8:0::1]:1\n", func(c *Config) { c.Peers[0].Endpoint = Endpoint{"2001:db8::1", 1} }},
		{"endpoint IPv6 with zone", "", "Endpoint = [fe80::1%eth0]:51820\n", func(c *Config) { c.Peers[0].Endpoint = Endpoint{"fe80::1%eth0", 51820} }},
		{"endpoint host name", "", "Endpoint = vpn-1.Example.org:65535\n", func(c *Config) { c.Peers[0].Endpoint = Endpoint{"vpn-1.Example.org", 65535} }},
		{"endpoint single-label host", "", "Endpoint = localhost:51820\n", func(c *Config) { c.Peers[0].Endpoint = Endpoint{"localhost", 51820} }},
		{"keepalive", "", "PersistentKeepalive = 25\n", func(c *Config) { c.Peers[0].PersistentKeepalive = 25 }},
		{"keepalive off", "", "PersistentKeepalive = off\n", func(*Config) {}},
		{"keepalive 0 is off", "", "PersistentKeepalive = 0\n", func(*Config) {}},
		{"keys and sections in any case", "address = 10.0.0.2/32\nLISTENPORT = 1\n", "allowedIPs = 10.0.0.0/8\n", func(c *Config) {
			c.Interface.Addresses = []netip.Prefix{confPrefix("10.0.0.2/32")}
			c.Interface.ListenPort = 1
			c.Peers[0].AllowedIPs = []netip.Prefix{confPrefix("10.0.0.0/8")}
		}},
		{"comments, blank lines, tabs", "\n# comment\n\t\n\tMTU\t=\t1400\t# inline\n  # Foo = bar\n", "", func(c *Config) { c.Interface.MTU = 1400 }},
		{"no peers", "", "\x00", func(c *Config) { c.Peers = nil }},
		{"several peers", "", "[Peer]\nPublicKey = " + peerPub2.String() + "\n", func(c *Config) {
			c.Peers = append(c.Peers, Peer{PublicKey: peerPub2})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := confText(tt.iface, tt.peer)
			got, err := Parse("test.conf", []byte(text))
			if err != nil {
				t.Fatalf("Parse:\n%s\n%v", text, err)
			}
			want := confBase()
			tt.want(want)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Parse:\n%s\ngot  %#v\nwant %#v", text, got, want)
			}
			checkRoundTrip(t, got)
		})
	}
}

func TestParseDecodesTextEncodings(t *testing.T) {
	plain := confText("Address = 10.0.0.2/32\n", "")
	want, err := Parse("plain.conf", []byte(plain))
	if err != nil {
		t.Fatal(err)
	}
	utf16 := func(s string, big bool) []byte {
		var b []byte
		for _, r := range s {
			if big {
				b = append(b, byte(r>>8), byte(r))
			} else {
				b = append(b, byte(r), byte(r>>8))
			}
		}
		return b
	}
	crlf := strings.ReplaceAll(plain, "\n", "\r\n")
	for name, data := range map[string][]byte{
		"UTF-8 BOM":           append([]byte("\xef\xbb\xbf"), plain...),
		"CRLF":                []byte(crlf),
		"CR only":             []byte(strings.ReplaceAll(plain, "\n", "\r")),
		"BOM and CRLF":        append([]byte("\xef\xbb\xbf"), crlf...),
		"UTF-16 LE with BOM":  append([]byte{0xff, 0xfe}, utf16(crlf, false)...),
		"UTF-16 BE with BOM":  append([]byte{0xfe, 0xff}, utf16(crlf, true)...),
		"UTF-16 LE, no BOM":   utf16(crlf, false),
		"no final line break": []byte(strings.TrimSuffix(plain, "\n")),
	} {
		t.Run(name, func(t *testing.T) {
			got, err := Parse("x.conf", data)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

func TestParseRejectsEachBadValue(t *testing.T) {
	tests := []struct {
		name        string
		iface, peer string
		line        int
		key, msg    string
	}{
		{"short key", "", "PresharedKey = AAAA\n", 5, "PresharedKey", "44 characters"},
		{"key of 33 bytes", "", "PresharedKey = " + strings.Repeat("B", 44) + "\n", 5, "PresharedKey", "44 characters"},
		{"key not base64", "", "PresharedKey = " + strings.Repeat("*", 43) + "=\n", 5, "PresharedKey", "not valid base64"},
		{"zero key", "", "PresharedKey = " + Key{}.String() + "\n", 5, "PresharedKey", "all zeros"},
		{"address prefix too long", "Address = 10.0.0.2/33\n", "", 3, "Address", "0 to 32"},
		{"address IPv6 prefix too long", "Address = fd00::2/129\n", "", 3, "Address", "0 to 128"},
		{"address prefix not a number", "Address = 10.0.0.2/x\n", "", 3, "Address", "prefix length"},
		{"address prefix with sign", "Address = 10.0.0.2/+8\n", "", 3, "Address", "prefix length"},
		{"address not an IP", "Address = vpn.example.org\n", "", 3, "Address", "not an IP address"},
		{"address twice", "Address = 10.0.0.2/24\nAddress = 10.0.0.2/24\n", "", 4, "Address", "listed twice"},
		{"address with zone", "Address = fe80::1%eth0/64\n", "", 3, "Address", "zone"},
		{"allowed IPs prefix too long", "", "AllowedIPs = 10.0.0.0/8, 10.0.0.0/40\n", 5, "AllowedIPs", "0 to 32"},
		{"DNS bad domain", "DNS = bad_domain..com\n", "", 3, "DNS", "empty labels"},
		{"DNS non-ASCII domain", "DNS = bücher.example\n", "", 3, "DNS", "punycode"},
		{"listen port too big", "ListenPort = 65536\n", "", 3, "ListenPort", "out of range"},
		{"listen port negative", "ListenPort = -1\n", "", 3, "ListenPort", "not a number"},
		{"fwmark too big", "FwMark = 4294967296\n", "", 3, "FwMark", "not valid"},
		{"fwmark octal-looking", "FwMark = 010\n", "", 3, "FwMark", "leading zero"},
		{"MTU too small", "MTU = 575\n", "", 3, "MTU", "576 to 9000"},
		{"MTU too small for IPv6", "Address = fd00::2/64\nMTU = 1279\n", "", 4, "MTU", "1280 to 9000"},
		{"MTU too big", "MTU = 9001\n", "", 3, "MTU", "576 to 9000"},
		{"MTU zero", "MTU = 0\n", "", 3, "MTU", "out of range"},
		{"table zero", "Table = 0\n", "", 3, "Table", "not valid"},
		{"table name", "Table = vpn\n", "", 3, "Table", "not valid"},
		{"save config", "SaveConfig = 1\n", "", 3, "SaveConfig", "true or false"},
		{"empty value", "ListenPort =\n", "", 3, "ListenPort", "no value"},
		{"no key", "= 5\n", "", 3, "", "no key"},
		{"no equals", "MTU 1420\n", "", 3, "MTU", `no "=" after MTU; write "MTU = 1420"`},
		{"no equals after a word", "Color blue\n", "", 3, "", `the line "Color blue" has no "="`},
		{"unknown key", "Foo = bar\n", "", 3, "Foo", "unknown key in [Interface]"},
		{"unknown peer key", "", "Foo = bar\n", 5, "Foo", "unknown key in [Peer]"},
		{"peer key in interface", "Endpoint = 1.2.3.4:5\n", "", 3, "Endpoint", "belongs in a [Peer]"},
		{"interface key in peer", "", "MTU = 1420\n", 5, "MTU", "belongs in the [Interface]"},
		{"repeated key", "MTU = 1420\nmtu = 1420\n", "", 4, "MTU", "already set on line 3"},
		{"repeated peer key", "", "Endpoint = a.example:1\nEndpoint = b.example:1\n", 6, "Endpoint", "only once"},
		{"malformed header", "[Peer\n", "\x00", 3, "", "malformed"},
		{"header with trailing text", "[Peer] x\n", "\x00", 3, "", "malformed"},
		{"unknown section", "[Proxy]\nFoo = 1\n", "\x00", 3, "", "unknown section [Proxy]; a config has one [Interface]"},
		{"misspelt peer section", "[WireGuardPeer]\n", "\x00", 3, "", "write [Peer]"},
		{"misspelt interface section", "[Interfaces]\n", "\x00", 3, "", "write [Interface]"},
		{"second interface", "[Interface]\n", "\x00", 3, "", "second [Interface]"},
		{"endpoint without port", "", "Endpoint = 192.0.2.1\n", 5, "Endpoint", "no port"},
		{"endpoint empty port", "", "Endpoint = 192.0.2.1:\n", 5, "Endpoint", "empty port"},
		{"endpoint port 0", "", "Endpoint = 192.0.2.1:0\n", 5, "Endpoint", "1 to 65535"},
		{"endpoint port too big", "", "Endpoint = 192.0.2.1:65536\n", 5, "Endpoint", "1 to 65535"},
		{"endpoint port name", "", "Endpoint = 192.0.2.1:wireguard\n", 5, "Endpoint", "1 to 65535"},
		{"endpoint IPv6 without brackets", "", "Endpoint = 2001:db8::1:51820\n", 5, "Endpoint", "[2001:db8::1]:51820"},
		{"endpoint IPv6 without brackets or port", "", "Endpoint = 2001:db8::1\n", 5, "Endpoint", "[2001:db8::1]:51820"},
		{"endpoint two colons", "", "Endpoint = vpn.example.org:1:2\n", 5, "Endpoint", "more than one colon"},
		{"endpoint IPv6 brackets without port", "", "Endpoint = [2001:db8::1]\n", 5, "Endpoint", "no port"},
		{"endpoint unclosed bracket", "", "Endpoint = [2001:db8::1:51820\n", 5, "Endpoint", "closing"},
		{"endpoint host in brackets", "", "Endpoint = [vpn.example.org]:51820\n", 5, "Endpoint", "not an IP address"},
		{"endpoint no host", "", "Endpoint = :51820\n", 5, "Endpoint", "no host"},
		{"endpoint bad IPv4", "", "Endpoint = 192.0.2.300:51820\n", 5, "Endpoint", "IPv4"},
		{"endpoint bad host", "", "Endpoint = vpn!.example.org:51820\n", 5, "Endpoint", "host name"},
		{"endpoint host label too long", "", "Endpoint = " + strings.Repeat("a", 64) + ".org:1\n", 5, "Endpoint", "63"},
		{"endpoint hyphen label", "", "Endpoint = -vpn.example.org:1\n", 5, "Endpoint", "hyphen"},
		{"keepalive too big", "", "PersistentKeepalive = 65536\n", 5, "PersistentKeepalive", "out of range"},
		{"keepalive word", "", "PersistentKeepalive = on\n", 5, "PersistentKeepalive", "not a number"},
		{"peer is self", "", "[Peer]\nPublicKey = " + testPub.String() + "\n", 6, "PublicKey", "own public key"},
		{"peer without key", "", "[Peer]\nAllowedIPs = 10.0.0.0/8\n", 5, "PublicKey", "peer 2 has no PublicKey"},
		{"duplicate peer", "", "[Peer]\nPublicKey = " + peerPub.String() + "\n", 6, "PublicKey", "same PublicKey as peer 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := confText(tt.iface, tt.peer)
			c, err := Parse("test.conf", []byte(text))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("Parse:\n%s\ngot %v (config %v), want Errors", text, err, c)
			}
			if len(errs) != 1 {
				t.Fatalf("Parse:\n%s\ngot %d errors, want 1:\n%v", text, len(errs), err)
			}
			e := errs[0]
			if e.Line != tt.line || e.Key != tt.key || !strings.Contains(e.Msg, tt.msg) || e.File != "test.conf" {
				t.Errorf("Parse:\n%s\ngot  %v\nwant test.conf:%d: %s: ...%s...", text, e, tt.line, tt.key, tt.msg)
			}
		})
	}
}

func TestParseReportsEveryErrorUpToALimit(t *testing.T) {
	var b strings.Builder
	b.WriteString(confText("", "\x00"))
	for range 100 {
		b.WriteString("MTU\n")
	}
	_, err := Parse("x.conf", []byte(b.String()))
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatal(err)
	}
	if len(errs) != maxErrors+1 {
		t.Fatalf("got %d errors, want %d and a summary", len(errs), maxErrors)
	}
	for i, e := range errs[:maxErrors] {
		if e.Line != i+3 {
			t.Errorf("error %d is on line %d, want %d", i, e.Line, i+3)
		}
	}
	if last := errs[maxErrors]; last.Line != 0 || !strings.Contains(last.Msg, "80 more errors") {
		t.Errorf("summary is %v", last)
	}
}

func TestParseGivesOneErrorForFilesThatAreNotConfigs(t *testing.T) {
	for name, data := range map[string]string{
		"empty":         "",
		"only comments": "# nothing here\n\n",
		"prose":         "Hello,\nthis is the VPN.\nBye\n",
		"NUL bytes":     "[Interface]\x00\x00\x00",
		"invalid UTF-8": "[Interface]\n\xff\xfe\xfd",
		"too big":       strings.Repeat("#", MaxConfigSize+1),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("x.conf", []byte(data))
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != 1 || errs[0].Line != 0 {
				t.Fatalf("got %v, want one error without a line", err)
			}
		})
	}
}

func TestErrorPrintsFileLineKeyAndMessage(t *testing.T) {
	tests := []struct {
		err  Error
		want string
	}{
		{Error{File: "wg0.conf", Line: 7, Key: "Endpoint", Msg: "m"}, "wg0.conf:7: Endpoint: m"},
		{Error{File: "wg0.conf", Key: "PrivateKey", Msg: "m"}, "wg0.conf: PrivateKey: m"},
		{Error{File: "wg0.conf", Line: 3, Msg: "m"}, "wg0.conf:3: m"},
		{Error{File: "wg0.conf", Msg: "m"}, "wg0.conf: m"},
		{Error{Key: "MTU", Msg: "m"}, "MTU: m"},
		{Error{Line: 2, Msg: "m"}, "2: m"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	errs := Errors{&tt0, &tt1}
	if got := errs.Error(); got != "a:1: m\nb: K: n" {
		t.Errorf("Errors prints %q", got)
	}
	var e *Error
	if !errors.As(error(errs), &e) || e != &tt0 {
		t.Errorf("errors.As does not find the first *Error")
	}
}

var (
	tt0 = Error{File: "a", Line: 1, Msg: "m"}
	tt1 = Error{File: "b", Key: "K", Msg: "n"}
)

// A key pasted into the wrong place must not come back in an error message,
// where it ends up in logs, dialogs and bug reports.
func TestParseErrorsNeverQuoteKeyMaterial(t *testing.T) {
	priv := testPriv.String()
	psk := peerPSK.String()
	tests := []struct {
		name, iface, peer string
		key, msg          string
	}{
		{"private key without equals", "PrivateKey " + priv + "\n", "", "PrivateKey", `write "PrivateKey = <key>"`},
		{"private key with colon", "privatekey: " + priv + "\n", "", "PrivateKey", `write "PrivateKey = <key>"`},
		{"preshared key without equals", "", "PresharedKey " + psk + "\n", "PresharedKey", `write "PresharedKey = <key>"`},
		{"preshared key without padding", "", "PresharedKey " + strings.TrimSuffix(psk, "=") + "\n", "PresharedKey", `write "PresharedKey = <key>"`},
		{"bare key", priv + "\n", "", "", "looks like a key"},
		{"bare key without padding", strings.TrimSuffix(priv, "=") + "\n", "", "", "looks like a key"},
		{"bare key in peer", "", psk + "\n", "", "looks like a key"},
		{"bare hex key", testPriv.Hex() + "\n", "", "", "looks like a key"},
		{"key after an unknown word", "Secret " + priv + "\n", "", "", "looks like a key"},
		{"key without a name", "= " + priv + "\n", "", "", "no key before"},
		{"key as a value", "DNS = " + priv + "\n", "", "DNS", "neither an IP address"},
		{"key as an endpoint", "", "Endpoint = " + psk + "\n", "Endpoint", "no port"},
		{"key in a header", "[Peer] " + psk + "\n", "\x00", "", "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := confText(tt.iface, tt.peer)
			_, err := Parse("x.conf", []byte(text))
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != 1 {
				t.Fatalf("Parse:\n%s\ngot %v, want one error", text, err)
			}
			e := errs[0]
			if e.Line != 3 && e.Line != 5 || e.Key != tt.key || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got %v, want line 3 or 5, key %q, message with %q", e, tt.key, tt.msg)
			}
			for _, secret := range []string{priv, psk, testPriv.Hex()} {
				for i := 0; i+8 <= len(secret); i++ {
					if part := secret[i : i+8]; strings.Contains(e.Error(), part) {
						t.Fatalf("the error quotes key material %q: %v", part, e)
					}
				}
			}
		})
	}
}

func TestNotAppliedNamesScriptsAndSaveConfig(t *testing.T) {
	for file, want := range map[string][]string{
		"good/server-postup-nat.conf": {"PreUp, PostUp, PreDown, PostDown kept but not run: wgtray runs no scripts, as they would run as root"},
		"good/table-off-split.conf":   {"PostUp, PreDown kept but not run: wgtray runs no scripts, as they would run as root"},
		"good/table-fwmark-mtu.conf":  {"SaveConfig kept but without effect: wgtray stores the tunnel itself"},
		"good/mullvad-se-sto.conf":    nil,
	} {
		c, err := confParseFile(t, filepath.Join("testdata", "conf", file))
		if err != nil {
			t.Fatal(err)
		}
		if got := c.NotApplied(); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: NotApplied() = %q, want %q", file, got, want)
		}
	}
}
