package app

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

// The app's dialogs add the app's own advice to a service error, by code,
// and never the command line's.
func TestErrorDialogAddsTheAppsHintByCode(t *testing.T) {
	for _, code := range []string{api.CodeNotFound, api.CodeExists, api.CodeEndpointUnresolvable, api.CodeNoTUN,
		api.CodeAddressConflict, api.CodeRouteConflict, api.CodeNoPrivateKey} {
		err := withHint(fmt.Errorf("up: %w", &client.Error{Code: code, Message: "the reason"}))
		msg := err.Error()
		if !strings.HasPrefix(msg, "up: the reason\n\n") || len(msg) <= len("up: the reason\n\n") {
			t.Errorf("%s: dialog says %q, want the reason and a hint", code, msg)
		}
		if strings.Contains(msg, "wgtrayd") || strings.Contains(msg, "--") {
			t.Errorf("%s: dialog gives command-line advice: %q", code, msg)
		}
		if !client.IsCode(err, code) {
			t.Errorf("%s: the hint hides the code", code)
		}
	}
	if msg := withHint(&client.Error{Code: api.CodeInternal, Message: "x"}).Error(); msg != "x" {
		t.Errorf("an internal error shows %q, want it unchanged", msg)
	}
}
