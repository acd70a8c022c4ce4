package importer

import (
	"errors"
	"testing"
)

func TestTunnelNameComesFromTheFileName(t *testing.T) {
	tests := []struct{ file, want string }{
		{"/etc/wireguard/wg0.conf", "wg0"},
		{"wg0.conf", "wg0"},
		{"wg0", "wg0"},
		{`C:\Users\me\Downloads\office.CONF`, "office"},
		{"bundle/se-sto-001.conf", "se-sto-001"},
		{"phone.png", "phone"},
		{"my.vpn.conf", "my.vpn"},
		{"a_b=c+d.e-f.conf", "a_b=c+d.e-f"},
		{"exactly15chars_.conf", "exactly15chars_"},
	}
	for _, tt := range tests {
		got, err := TunnelName(tt.file)
		if err != nil || got != tt.want {
			t.Errorf("TunnelName(%q) = %q, %v; want %q", tt.file, got, err, tt.want)
		}
	}
}

func TestTunnelNameRejectsUnusableNamesWithASuggestion(t *testing.T) {
	tests := []struct{ file, suggestion string }{
		{"Mullvad Sweden (Stockholm).conf", "Mullvad_Sweden"},
		{"sixteen-chars-xx.conf", "sixteen-chars-x"},
		{"büro.conf", "b_ro"},
		{".conf", "wg0"},
		{"/tmp/", "wg0"},
		{"..", "wg0"},
		{"con.conf", "wgcon"},
		{"LPT1.conf", "wgLPT1"},
		{"!!!.conf", "wg0"},
		{"vpn (1).conf", "vpn_1"},
		{".hidden.conf", "hidden"},
		{"-x.conf", "x"},
		{"..wg0.conf", "wg0"},
		{"-.-.conf", "wg0"},
		{".con.conf", "wgcon"},
		{"._office.conf", "_office"},
		{"-sixteen-chars-xx.conf", "sixteen-chars-x"},
	}
	for _, tt := range tests {
		name, err := TunnelName(tt.file)
		var ne *NameError
		if !errors.As(err, &ne) {
			t.Errorf("TunnelName(%q) = %q, %v; want a *NameError", tt.file, name, err)
			continue
		}
		if ne.Suggestion != tt.suggestion {
			t.Errorf("TunnelName(%q) suggests %q, want %q", tt.file, ne.Suggestion, tt.suggestion)
		}
		if err := ValidateName(ne.Suggestion); err != nil {
			t.Errorf("TunnelName(%q) suggests an unusable name: %v", tt.file, err)
		}
	}
}

// A leading "." hides the tunnel from the store (dot-files are skipped) and
// makes its recovery record look like a temporary file; a leading "-" turns
// the name into an option of resolvconf and ip.
func TestValidateName(t *testing.T) {
	for _, ok := range []string{"wg0", "a", "A-Z_a=z+0.9", "123456789012345", "console"} {
		if err := ValidateName(ok); err != nil {
			t.Errorf("ValidateName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "1234567890123456", "wg 0", "wg/0", "wg0\n", "NUL", "com9.x", "ünï", ".wg0", "-wg0", "-", ".x.json"} {
		if err := ValidateName(bad); err == nil {
			t.Errorf("ValidateName(%q) accepted it", bad)
		}
	}
}
