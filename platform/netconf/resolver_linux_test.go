package netconf

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResolverAsksTheStubsUpstreamInsteadOfTheStub(t *testing.T) {
	upstreams := filepath.Join(t.TempDir(), "resolv.conf")
	if err := os.WriteFile(upstreams, []byte("# systemd-resolved\nnameserver 127.0.0.1\nnameserver 192.168.1.1\nnameserver 2001:db8::53\nsearch example.org\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ address, upstreams, want string }{
		{"127.0.0.53:53", upstreams, "192.168.1.1:53"},
		{"[::1]:53", upstreams, "192.168.1.1:53"},
		{"10.0.0.1:53", upstreams, "10.0.0.1:53"},
		{"127.0.0.53:53", filepath.Join(t.TempDir(), "missing"), "127.0.0.53:53"},
	} {
		if got := upstreamOf(tc.address, tc.upstreams); got != tc.want {
			t.Errorf("upstreamOf(%s) = %s, want %s", tc.address, got, tc.want)
		}
	}
}
