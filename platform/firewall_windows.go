package platform

import (
	"errors"
	"runtime"
)

// ErrFirewallUnsupported is returned when a blocking policy cannot be
// enforced on this OS.
var ErrFirewallUnsupported = errors.New("the kill switch is not available on " + runtime.GOOS + " yet; set it to off")

// firewallSys is the kill switch where no backend exists yet (WFP on
// Windows and a pf anchor on macOS are to come): it refuses every policy
// that blocks, so nobody believes they are protected when they are not.
type firewallSys struct{}

func (firewallSys) apply(p FirewallPolicy) error {
	if p.Blocking() {
		return ErrFirewallUnsupported
	}
	return nil
}

func (firewallSys) active() (bool, error) { return false, nil }
