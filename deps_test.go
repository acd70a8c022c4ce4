package main

import (
	"testing"

	"github.com/wgtray/wgtray/internal/testbuild"
)

// The app is never privileged: it talks to the service through the client
// and links none of the firewall, netlink or network-configuration code.
func TestAppLinksNoFirewallCode(t *testing.T) {
	found, err := testbuild.PrivilegedDeps(testbuild.GUI)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range found {
		t.Errorf("wgtray links %s", d)
	}
}
