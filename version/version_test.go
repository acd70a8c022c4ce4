package version

import "testing"

func TestStringNamesTheCommitOnlyWhenTheVersionDoesNot(t *testing.T) {
	for _, c := range []struct{ version, commit, want string }{
		{"c68d878", "c68d878", "wgtray c68d878"},
		{"c68d878-dirty", "c68d878", "wgtray c68d878-dirty"},
		{"v1.2.0", "c68d878", "wgtray v1.2.0 (c68d878)"},
		{"v1.2.0-3-gc68d878", "c68d878", "wgtray v1.2.0-3-gc68d878"},
		{"dev", "unknown", "wgtray dev"},
	} {
		if got := format(c.version, c.commit); got != c.want {
			t.Errorf("format(%q, %q) = %q, want %q", c.version, c.commit, got, c.want)
		}
	}
}
