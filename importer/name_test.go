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
		{"Office.conf", "Office"},
	}
	for _, tt := range tests {
		got, derived := TunnelName(tt.file)
		if derived || got != tt.want {
			t.Errorf("TunnelName(%q) = %q, derived %t; want %q as it is", tt.file, got, derived, tt.want)
		}
	}
}

// Names people give files: the tunnel gets a valid name made of them
// instead of a refusal.
func TestTunnelNameDerivesAValidNameFromADescriptiveFileName(t *testing.T) {
	tests := []struct{ file, want string }{
		{"My Office VPN (Frankfurt, 2026).conf", "my-office-vpn-f"},
		{"/home/me/Downloads/My Office VPN (Frankfurt, 2026).conf", "my-office-vpn-f"},
		{"Mullvad Sweden (Stockholm).conf", "mullvad-sweden"},
		{"sixteen-chars-xx.conf", "sixteen-chars-x"},
		{"büro.conf", "buro"},
		{"Zürich – Büro.conf", "zurich-buro"},
		{"vpn (1).conf", "vpn-1"},
		{"a  -  b.conf", "a-b"},
		{"tab\there.conf", "tab-here"},
		{"ends with dash - .conf", "ends-with-dash"},
		{"abcdefghijklmn opq.conf", "abcdefghijklmn"},
		{"abcdefghijklmn.opq.conf", "abcdefghijklmn"},
		{".conf", "wg0"},
		{"/tmp/", "wg0"},
		{"..", "wg0"},
		{"!!!.conf", "wg0"},
		{"日本.conf", "wg0"},
		{"con.conf", "wgcon"},
		{"LPT1.conf", "wglpt1"},
		{"CON (1).conf", "con-1"},
		{"Con.conf", "wgcon"},
		{".hidden.conf", "hidden"},
		{"-x.conf", "x"},
		{"..wg0.conf", "wg0"},
		{"-.-.conf", "wg0"},
		{"._office.conf", "_office"},
		{"-sixteen-chars-xx.conf", "sixteen-chars-x"},
	}
	for _, tt := range tests {
		got, derived := TunnelName(tt.file)
		if got != tt.want {
			t.Errorf("TunnelName(%q) = %q, want %q", tt.file, got, tt.want)
		}
		if err := ValidateName(got); err != nil {
			t.Errorf("TunnelName(%q) = %q, not a valid name: %v", tt.file, got, err)
		}
		if !derived {
			t.Errorf("TunnelName(%q) = %q does not say the name was derived", tt.file, got)
		}
	}
}

func TestNumberedNameFitsTheLimit(t *testing.T) {
	tests := []struct {
		base string
		n    int
		want string
	}{
		{"office", 0, "office"},
		{"office", 1, "office"},
		{"office", 2, "office-2"},
		{"my-office-vpn-f", 2, "my-office-vpn-2"},
		{"my-office-vpn-f", 10, "my-office-vp-10"},
		{"abcdefghijklm.o", 3, "abcdefghijklm-3"},
		{"abcdefghijkl.no", 3, "abcdefghijkl-3"},
		{"wg0", 2048, "wg0-2048"},
	}
	for _, tt := range tests {
		got := NumberedName(tt.base, tt.n)
		if got != tt.want {
			t.Errorf("NumberedName(%q, %d) = %q, want %q", tt.base, tt.n, got, tt.want)
		}
		if err := ValidateName(got); err != nil {
			t.Errorf("NumberedName(%q, %d) = %q: %v", tt.base, tt.n, got, err)
		}
	}
}

func TestValidateNameSuggestsADerivedName(t *testing.T) {
	var ne *NameError
	if err := ValidateName("My Office"); !errors.As(err, &ne) || ne.Suggestion != "my-office" {
		t.Errorf("ValidateName(My Office) = %v, want a *NameError suggesting my-office", err)
	}
}

func FuzzDeriveNameIsAlwaysValid(f *testing.F) {
	for _, s := range []string{"My Office VPN (Frankfurt, 2026)", "con", "", "..", "Zürich", "a\x00b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := DeriveName(s)
		if err := ValidateName(got); err != nil {
			t.Fatalf("DeriveName(%q) = %q: %v", s, got, err)
		}
		if got != DeriveName(got) && ValidateName(s) == nil {
			t.Fatalf("DeriveName(%q) = %q changes again to %q", s, got, DeriveName(got))
		}
	})
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
