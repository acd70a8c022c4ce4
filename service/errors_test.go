package service

import (
	"fmt"
	"strings"
	"testing"

	"github.com/wgtray/wgtray/platform/netconf"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
	"github.com/wgtray/wgtray/tunnel"
)

// The service answers for every client: its messages name what is wrong,
// and the CLI and the app add their own advice by code. A message that
// tells the app's user to type a command or a flag is wrong there.
func TestServiceErrorsCarryNoClientAdvice(t *testing.T) {
	_, c, ctx := startWithTunnel(t, "a")
	_, missing := c.Get(ctx, "absent")
	_, dup := c.Import(ctx, "a", newConfig(t, "10.9.1.0/24"))
	untrusted := c.Distrust(ctx, "absent")
	if _, err := c.Up(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	_, running := c.Rename(ctx, "a", "b")
	for _, w := range []struct {
		err  error
		code string
	}{{missing, api.CodeNotFound}, {dup, api.CodeExists}, {untrusted, api.CodeNotFound}, {running, api.CodeConflict}} {
		if !client.IsCode(w.err, w.code) {
			t.Errorf("got %v, want code %s", w.err, w.code)
			continue
		}
		if msg := w.err.Error(); strings.Contains(msg, "wgtrayd") || strings.Contains(msg, "--") {
			t.Errorf("%s carries command-line advice: %q", w.code, msg)
		}
	}
}

// A client can tell the user what to do about why a tunnel did not come
// up: each reason the tunnel package names has its own code.
func TestFailedStartCarriesTheReasonsCode(t *testing.T) {
	h, c, ctx := startWithTunnel(t, "a")
	for _, w := range []struct {
		err  error
		code string
	}{
		{tunnel.ErrEndpointUnresolvable, api.CodeEndpointUnresolvable},
		{tunnel.ErrNoTUN, api.CodeNoTUN},
		{tunnel.ErrAddressConflict, api.CodeAddressConflict},
		{netconf.ErrRouteConflict, api.CodeRouteConflict},
		{tunnel.ErrNoPrivateKey, api.CodeNoPrivateKey},
		{fmt.Errorf("something else"), api.CodeTunnelFailed},
	} {
		h.engine.mu.Lock()
		h.engine.fail = fmt.Errorf("bring up a: %w", w.err)
		h.engine.mu.Unlock()
		if _, err := c.Up(ctx, "a"); !client.IsCode(err, w.code) {
			t.Errorf("up failing with %q: %v, want code %s", w.err, err, w.code)
		}
	}
}
