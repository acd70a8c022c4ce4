package main

import (
	"strings"
	"testing"

	"github.com/wgtray/wgtray/internal/testbuild"
)

// The packages are built from the program, not the other way round: what
// the running service needs (its systemd units) lives beside the service,
// and the daemon links nothing of packaging/ on any OS.
func TestDaemonDoesNotLinkPackaging(t *testing.T) {
	testbuild.Require(t)
	for _, goos := range []string{"linux", "windows", "darwin"} {
		deps, err := testbuild.Deps(testbuild.Daemon, goos)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range deps {
			if strings.HasPrefix(d, "github.com/wgtray/wgtray/packaging") {
				t.Errorf("wgtrayd for %s links %s", goos, d)
			}
		}
	}
}
