package firewall

import (
	"bytes"
	"log/slog"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/wgtray/wgtray/platform/paths"
)

// firewallSys is the kill switch on macOS: pf rules in the anchor
// PFAnchorName, loaded with pfctl(8), the reference token kept in the
// state directory.
type firewallSys struct{}

// newFirewallSys ignores log: pf rules do nothing on their own.
func newFirewallSys(*slog.Logger) firewallSys { return firewallSys{} }

func (firewallSys) pf() pfKillSwitch {
	return pfKillSwitch{pfctl: runPfctl, tokenFile: filepath.Join(paths.StateDir(), "pf.token")}
}

func (f firewallSys) apply(p FirewallPolicy) error { return f.pf().apply(p) }

func (f firewallSys) active() (bool, error) { return f.pf().active() }

func runPfctl(stdin string, args ...string) (string, string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("/sbin/pfctl", args...)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.String(), stderr.String(), err
}
