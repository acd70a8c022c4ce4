package importer

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestValidateChecksConfigsBuiltInCode(t *testing.T) {
	tests := []struct {
		name   string
		change func(c *Config)
		key    string // "" means valid
		msg    string
	}{
		{"valid", func(*Config) {}, "", ""},
		{"no private key", func(c *Config) { c.Interface.PrivateKey = Key{} }, "PrivateKey", "no PrivateKey"},
		{"empty address", func(c *Config) { c.Interface.Addresses = []netip.Prefix{{}} }, "Address", "invalid prefix"},
		{"address twice", func(c *Config) {
			c.Interface.Addresses = []netip.Prefix{confPrefix("10.0.0.2/24"), confPrefix("10.0.0.2/32"), confPrefix("10.0.0.2/24")}
		}, "Address", "listed twice"},
		{"empty DNS address", func(c *Config) { c.Interface.DNS = []netip.Addr{{}} }, "DNS", "empty IP"},
		{"bad search domain", func(c *Config) { c.Interface.DNSSearch = []string{"a b"} }, "DNS", "search domain"},
		{"MTU too small", func(c *Config) { c.Interface.MTU = 500 }, "MTU", "576 to 9000"},
		{"MTU too small for IPv6", func(c *Config) {
			c.Interface.Addresses = []netip.Prefix{confPrefix("fd00::2/64")}
			c.Interface.MTU = 1200
		}, "MTU", "1280 to 9000"},
		{"MTU too big", func(c *Config) { c.Interface.MTU = 9001 }, "MTU", "576 to 9000"},
		{"table off and number", func(c *Config) { c.Interface.Table = Table{Off: true, ID: 5} }, "Table", "choose one"},
		{"hook with line break", func(c *Config) { c.Interface.PostUp = []string{"a\nb"} }, "PostUp", "several lines"},
		{"hook with comment sign", func(c *Config) { c.Interface.PreDown = []string{"echo #1"} }, "PreDown", "comment"},
		{"empty hook", func(c *Config) { c.Interface.PreUp = []string{""} }, "PreUp", "empty"},
		{"hook with outer spaces", func(c *Config) { c.Interface.PostDown = []string{" x"} }, "PostDown", "spaces"},
		{"peer without key", func(c *Config) { c.Peers[0].PublicKey = Key{} }, "PublicKey", "peer 1 has no PublicKey"},
		{"peer is self", func(c *Config) { c.Peers[0].PublicKey = testPub }, "PublicKey", "own public key"},
		{"duplicate peers", func(c *Config) { c.Peers = append(c.Peers, Peer{PublicKey: peerPub}) }, "PublicKey", "peer 2 has the same PublicKey as peer 1"},
		{"allowed IPs with host bits", func(c *Config) { c.Peers[0].AllowedIPs = []netip.Prefix{confPrefix("10.0.0.1/8")} }, "AllowedIPs", "10.0.0.0/8"},
		{"endpoint without port", func(c *Config) { c.Peers[0].Endpoint = Endpoint{Host: "vpn.example.org"} }, "Endpoint", "no port"},
		{"endpoint port without host", func(c *Config) { c.Peers[0].Endpoint = Endpoint{Port: 1} }, "Endpoint", "no host"},
		{"endpoint bad host", func(c *Config) { c.Peers[0].Endpoint = Endpoint{Host: "vpn example", Port: 1} }, "Endpoint", "host name"},
		{"endpoint IPv6 not canonical", func(c *Config) { c.Peers[0].Endpoint = Endpoint{Host: "2001:DB8::1", Port: 1} }, "Endpoint", "write 2001:db8::1"},
		{"endpoint hostname", func(c *Config) { c.Peers[0].Endpoint = Endpoint{Host: "vpn.example.org", Port: 1} }, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := confBase()
			tt.change(c)
			err := c.Validate()
			if tt.key == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			var errs Errors
			if !errors.As(err, &errs) || len(errs) != 1 {
				t.Fatalf("got %v, want one error", err)
			}
			if e := errs[0]; e.Key != tt.key || e.Line != 0 || e.File != "" || !strings.Contains(e.Msg, tt.msg) {
				t.Errorf("got %v, want %s: ...%s...", e, tt.key, tt.msg)
			}
		})
	}
}

func TestValidateRedactedAllowsMissingSecretsOnly(t *testing.T) {
	c := confBase()
	c.Peers[0].PresharedKey = peerPSK
	redacted, _ := c.Redact()
	if err := redacted.ValidateRedacted(); err != nil {
		t.Errorf("ValidateRedacted: %v", err)
	}
	if err := redacted.Validate(); err == nil {
		t.Errorf("Validate accepts a config without PrivateKey")
	}
	redacted.Peers = append(redacted.Peers, Peer{})
	if err := redacted.ValidateRedacted(); err == nil {
		t.Errorf("ValidateRedacted accepts a peer without PublicKey")
	}
}
