//go:build !linux

package platform

import (
	"errors"
	"runtime"
)

// Firewall is the kill switch. This OS has no backend yet (WFP on Windows
// and a pf anchor on macOS are to come): Apply refuses every policy that
// blocks, so nobody believes they are protected when they are not.
type Firewall struct{}

// NewFirewall returns the kill switch of this OS.
func NewFirewall() *Firewall { return &Firewall{} }

// ErrFirewallUnsupported is returned when a blocking policy cannot be
// enforced on this OS.
var ErrFirewallUnsupported = errors.New("the kill switch is not available on " + runtime.GOOS + " yet; set it to off")

// Apply enforces the policy; only policies that do not block succeed here.
func (f *Firewall) Apply(p FirewallPolicy) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if p.Blocking() {
		return ErrFirewallUnsupported
	}
	return nil
}

// Active reports whether kill-switch rules are in force; never here.
func (f *Firewall) Active() (bool, error) { return false, nil }
