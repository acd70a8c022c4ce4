package main

import (
	"errors"
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
		api.CodeAddressConflict:      "Address",
		api.CodeRouteConflict:        "AllowedIPs",
		api.CodeNoPrivateKey:         "wgtrayd import",
		api.CodeKillSwitchLocked:     "sudo wgtrayd killswitch",
	} {
		err := fmt.Errorf("up: %w", &client.Error{Code: code, Message: "m"})
		if h := hint("up", err); !strings.Contains(h, want) {
			t.Errorf("hint for %s = %q, want it to mention %q", code, h, want)
		}
	}
	// An internal error has no hint; a missing TUN device has none either,
	// since the service says what its own OS needs (Linux's tun module,
	// Windows' wintun.dll).
	for _, code := range []string{api.CodeInternal, api.CodeNoTUN} {
		if h := hint("up", &client.Error{Code: code}); h != "" {
			t.Errorf("hint for %s = %q, want none", code, h)
		}
	}
	// Keys too large for the keyring can go to a file, with this program.
	if h := hint("import", fmt.Errorf("import a: %w", client.ErrKeysTooLarge)); !strings.Contains(h, "--key-store=file") {
		t.Errorf("hint for keys too large for the keyring = %q, want --key-store=file", h)
	}
	// Without a keyring, the keys can go to a file (and on Linux a shell
	// can start a keyring: hint_linux_test.go).
	if h := hint("up", fmt.Errorf("up a: %w", &client.NoKeyringError{Err: errors.New("no D-Bus")})); !strings.Contains(h, "--key-store=file") {
		t.Errorf("hint without a keyring = %q, want --key-store=file", h)
	}
	// rename has no --name, and a running tunnel comes down first.
	for code, want := range map[string]string{api.CodeExists: "another new name", api.CodeConflict: "wgtrayd down"} {
		if h := hint("rename", &client.Error{Code: code}); !strings.Contains(h, want) || strings.Contains(h, "--name") {
			t.Errorf("hint of rename for %s = %q, want it to mention %q", code, h, want)
		}
	}
	// The errors of `trusted` are about trusted networks.
	for code, want := range map[string]string{api.CodeNotFound: "wgtrayd trusted list", api.CodeExists: "--name"} {
		if h := hint("trusted", &client.Error{Code: code}); !strings.Contains(h, want) || strings.Contains(h, "wgtrayd list") || strings.Contains(h, "wgtrayd remove") {
			t.Errorf("hint of trusted for %s = %q, want it to mention %q and no tunnel commands", code, h, want)
		}
	}
}
