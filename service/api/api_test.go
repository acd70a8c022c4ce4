package api

import (
	"encoding/json"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSecretDecodesOnlyA32ByteKey(t *testing.T) {
	const key = "+HEKC1gzD6J9I398fAiVxQCuESDUJxkLx+VWakQgaF4="
	var s Secret
	if err := json.Unmarshal([]byte(`"`+key+`"`), &s); err != nil {
		t.Fatalf("a real key: %v", err)
	}
	if b, _ := s.MarshalText(); string(b) != key {
		t.Errorf("round trip gives %s", b)
	}
	for _, bad := range []string{
		"",
		"AAAA",
		strings.Repeat("0", 48), // 36 bytes: once overran the decode buffer
		strings.Repeat("A", 4000),
		key[:43] + "!",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", // 31 bytes
	} {
		var s Secret
		if err := s.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q decodes to a key", bad)
		}
	}
}

func TestStatusOfDownTunnelLeavesOutZeroFieldsAndDecodesTheSame(t *testing.T) {
	down := TunnelStatus{
		Name:      "office",
		State:     StateDown,
		Interface: &InterfaceStatus{PublicKey: "pub", Addresses: []netip.Prefix{netip.MustParsePrefix("10.9.0.2/32")}},
		Peers:     []PeerStatus{{PublicKey: "peer", AllowedIPs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}}},
	}
	hs := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	up := TunnelStatus{
		Name:      "home",
		State:     StateUp,
		Interface: &InterfaceStatus{Name: "home", PublicKey: "pub", ListenPort: 51820, Addresses: []netip.Prefix{netip.MustParsePrefix("10.9.0.2/32")}, DNS: []netip.Addr{netip.MustParseAddr("10.9.0.1")}},
		Peers:     []PeerStatus{{PublicKey: "peer", Endpoint: "192.0.2.1:51820", LatestHandshake: &hs, RxBytes: 1, TxBytes: 2, AllowedIPs: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}, PersistentKeepalive: 25}},
	}
	other := TunnelStatus{Name: "theirs", State: StateUp}
	for _, tc := range []struct {
		name    string
		in      TunnelStatus
		absent  []string
		present []string
	}{
		{"down", down, []string{"error", "needs_keys", "listen_port", "dns", "endpoint", "latest_handshake", "rx_bytes", "tx_bytes", "persistent_keepalive"}, []string{"name", "state", "public_key", "addresses", "allowed_ips"}},
		{"up", up, []string{"error", "needs_keys"}, []string{"listen_port", "dns", "endpoint", "latest_handshake", "rx_bytes", "tx_bytes", "persistent_keepalive"}},
		{"another operator's", other, []string{"interface", "peers"}, []string{"name", "state"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.absent {
				if strings.Contains(string(b), `"`+f+`"`) {
					t.Errorf("%s holds %q, want it left out", b, f)
				}
			}
			for _, f := range tc.present {
				if !strings.Contains(string(b), `"`+f+`"`) {
					t.Errorf("%s lacks %q", b, f)
				}
			}
			var got TunnelStatus
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.in) {
				t.Errorf("decoded %+v, want %+v", got, tc.in)
			}
		})
	}
}
