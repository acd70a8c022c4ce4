package main

import (
	"strings"
	"testing"

	"github.com/wgtray/wgtray/internal/testbuild"
)

// The app is never privileged: the agent and the window talk to the
// service through the client and link none of the firewall, netlink or
// network-configuration code.
func TestAppLinksNoFirewallCode(t *testing.T) {
	for _, pkg := range []string{testbuild.Agent, testbuild.Window} {
		found, err := testbuild.PrivilegedDeps(pkg)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range found {
			t.Errorf("%s links %s", pkg, d)
		}
	}
}

// The tray agent stays small: it links neither the window toolkit's app
// nor OpenGL on any OS; the window runs as its own process.
func TestAgentLinksNoWindowToolkit(t *testing.T) {
	for _, goos := range []string{"linux", "windows", "darwin"} {
		deps, err := testbuild.Deps(testbuild.Agent, goos)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range deps {
			if strings.HasPrefix(d, "fyne.io/fyne/") || strings.Contains(d, "go-gl") || strings.HasSuffix(d, "/wgtray/app") {
				t.Errorf("wgtray for %s links %s", goos, d)
			}
		}
	}
}
