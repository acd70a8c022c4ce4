package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

// The service's errors name what is wrong; the CLI says what to do about
// it with its own commands and flags, by the error's code.
func TestCLIAddsItsHintByCode(t *testing.T) {
	for code, want := range map[string]string{
		api.CodeNotFound:             "wgtrayd list",
		api.CodeExists:               "--name",
		api.CodeEndpointUnresolvable: "Endpoint",
		api.CodeNoTUN:                "modprobe tun",
		api.CodeAddressConflict:      "Address",
		api.CodeRouteConflict:        "AllowedIPs",
		api.CodeNoPrivateKey:         "wgtrayd import",
		api.CodeKillSwitchLocked:     "sudo wgtrayd killswitch",
	} {
		err := fmt.Errorf("up: %w", &client.Error{Code: code, Message: "m"})
		if h := hint(err); !strings.Contains(h, want) {
			t.Errorf("hint for %s = %q, want it to mention %q", code, h, want)
		}
	}
	if h := hint(&client.Error{Code: api.CodeInternal}); h != "" {
		t.Errorf("hint for an internal error = %q, want none", h)
	}
}
