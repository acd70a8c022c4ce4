package main

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/wgtray/wgtray/service/api"
)

func TestTrustedAddReadsCurrentGatewayAndSSID(t *testing.T) {
	for _, c := range []struct {
		args []string
		want api.TrustRequest
		err  string
	}{
		{[]string{"current"}, api.TrustRequest{Current: true}, ""},
		{[]string{"gateway:AA-BB-CC-DD-EE-FF"}, api.TrustRequest{GatewayMAC: "aa:bb:cc:dd:ee:ff"}, ""},
		{[]string{"ssid:home net"}, api.TrustRequest{SSID: "home net"}, ""},
		{[]string{"ssid:a:b", "gateway:aa:bb:cc:dd:ee:ff"}, api.TrustRequest{SSID: "a:b", GatewayMAC: "aa:bb:cc:dd:ee:ff"}, ""},
		{nil, api.TrustRequest{}, "say which network"},
		{[]string{"current", "ssid:x"}, api.TrustRequest{}, "current alone"},
		{[]string{"gateway:zz"}, api.TrustRequest{}, "not a MAC"},
		{[]string{"ssid:"}, api.TrustRequest{}, "1 to 32 bytes"},
		{[]string{"ssid:" + strings.Repeat("x", 33)}, api.TrustRequest{}, "1 to 32 bytes"},
		{[]string{"ssid:a", "ssid:b"}, api.TrustRequest{}, "once each"},
		{[]string{"home"}, api.TrustRequest{}, "not a network"},
	} {
		got, err := parseTrust(c.args)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want an error with %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %+v, %v; want %+v", c.args, got, err, c.want)
		}
	}
}

// FuzzParseTrust: whatever the user types, parseTrust answers a request
// that names a network, or an error.
func FuzzParseTrust(f *testing.F) {
	for _, s := range []string{"current", "gateway:aa:bb:cc:dd:ee:ff", "ssid:home", "ssid:x gateway:01-02-03-04-05-06", "gateway:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		req, err := parseTrust(strings.Fields(s))
		if err != nil {
			return
		}
		if !req.Current && req.GatewayMAC == "" && req.SSID == "" {
			t.Fatalf("%q: a request that names no network", s)
		}
		if len(req.SSID) > 32 || (req.GatewayMAC != "" && (len(req.GatewayMAC) != 17 || !utf8.ValidString(req.GatewayMAC))) {
			t.Fatalf("%q: %+v", s, req)
		}
	})
}

func TestSetReadsStartAndNetworksTogether(t *testing.T) {
	for _, c := range []struct {
		args []string
		want api.SettingsRequest
		err  string
	}{
		{[]string{"networks=untrusted"}, api.SettingsRequest{Networks: api.NetworksUntrusted}, ""},
		{[]string{"start=login", "networks=any"}, api.SettingsRequest{Start: api.StartLogin, Networks: api.NetworksAny}, ""},
		{[]string{"networks=trusted"}, api.SettingsRequest{}, "use any or untrusted"},
		{[]string{"networks=any", "networks=untrusted"}, api.SettingsRequest{}, "repeated"},
		{[]string{"colour=red"}, api.SettingsRequest{}, "networks=any|untrusted"},
	} {
		got, err := parseSettings(c.args)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want an error with %q", c.args, err, c.err)
			}
			continue
		}
		if err != nil || got.Start != c.want.Start || got.Networks != c.want.Networks {
			t.Errorf("%q: %+v, %v; want %+v", c.args, got, err, c.want)
		}
	}
}
