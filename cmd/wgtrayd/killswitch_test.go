package main

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestKillSwitchCommandRejectsUnknownModesBeforeAskingTheService(t *testing.T) {
	t.Setenv("WGTRAY_SOCKET", filepath.Join(t.TempDir(), "nobody-listens"))
	for _, args := range [][]string{
		{"killswitch", "sometimes"},
		{"killswitch", "auto", "always"},
		{"killswitch", "--allow-lan=maybe"},
		{"killswitch", "--boot", "always"},
	} {
		var stdout, stderr strings.Builder
		if code := dispatch(args, &stdout, &stderr); code != 2 {
			t.Errorf("wgtrayd %s: exit %d, want 2 (usage)\n%s", strings.Join(args, " "), code, stderr.String())
		}
	}
}
