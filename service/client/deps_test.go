package client

import (
	"testing"

	"github.com/wgtray/wgtray/internal/testbuild"
)

// The client runs in unprivileged programs (the app, the CLI's commands):
// it dials the service's socket or pipe and links none of the firewall,
// netlink or network-configuration code behind it.
func TestClientLinksNoFirewallCode(t *testing.T) {
	testbuild.Require(t)
	found, err := testbuild.PrivilegedDeps("github.com/wgtray/wgtray/service/client")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range found {
		t.Errorf("service/client links %s", d)
	}
}
