package api

import (
	"testing"

	"github.com/wgtray/wgtray/internal/testbuild"
)

// The API's types, the kill-switch mode and the route table among them, are
// for unprivileged clients too: the package links no firewall, netlink or
// network-configuration code.
func TestAPILinksNoFirewallCode(t *testing.T) {
	testbuild.Require(t)
	found, err := testbuild.PrivilegedDeps("github.com/wgtray/wgtray/service/api")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range found {
		t.Errorf("service/api links %s", d)
	}
}
