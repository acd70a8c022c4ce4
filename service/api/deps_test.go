package api

import (
	"strings"
	"testing"

	"github.com/wgtray/wgtray/internal/testbuild"
)

// The API's types, the kill-switch mode and the route table among them, are
// for unprivileged clients too: the package links no firewall or netlink
// code, nor the platform package that holds it.
func TestAPILinksNoFirewallCode(t *testing.T) {
	testbuild.Require(t)
	for _, goos := range []string{"linux", "windows", "darwin"} {
		deps, err := testbuild.Deps("github.com/wgtray/wgtray/service/api", goos)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range deps {
			if strings.Contains(d, "nftables") || strings.Contains(d, "netlink") || d == "github.com/wgtray/wgtray/platform" {
				t.Errorf("service/api for %s links %s", goos, d)
			}
		}
	}
}
