package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"

	"github.com/wgtray/wgtray/platform/firewall"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

// runKillSwitch is `wgtrayd killswitch`: without arguments it prints the
// setting, whether it blocks now and who may change it; a mode, --allow-lan
// and --locked change it (what is omitted keeps its value); --boot
// restores the last rules without the service, --lift removes them
// without it.
var runKillSwitch = simple("killswitch", "killswitch [off|auto|always] [--allow-lan=true|false] [--locked=true|false] [--json] | killswitch --boot | killswitch --lift",
	func(fs *flag.FlagSet) {
		fs.Var(new(optionalBool), "allow-lan", "keep the local network (private, link-local, multicast) reachable while blocking")
		fs.Var(new(optionalBool), "locked", "only administrators may change the setting (administrators only)")
		fs.Bool("boot", false, "put the last kill-switch rules back without the service (the early boot unit runs this as root)")
		fs.Bool("lift", false, "remove the kill-switch rules without the service, keeping the setting (package removal runs this as root)")
		fs.Bool("json", false, "print JSON")
	},
	func(ctx context.Context, c *client.Client, fs *flag.FlagSet, stdout, stderr io.Writer) error {
		allowLAN := fs.Lookup("allow-lan").Value.(*optionalBool)
		locked := fs.Lookup("locked").Value.(*optionalBool)
		if fs.Lookup("boot").Value.String() == "true" {
			if fs.NArg() != 0 || allowLAN.set || locked.set {
				return usageError("--boot takes no other arguments")
			}
			return restoreKillSwitch(stdout)
		}
		if fs.Lookup("lift").Value.String() == "true" {
			if fs.NArg() != 0 || allowLAN.set || locked.set {
				return usageError("--lift takes no other arguments")
			}
			if err := firewall.NewFirewall(slog.New(slog.NewTextHandler(os.Stderr, nil))).Lift(); err != nil {
				return fmt.Errorf("remove the kill-switch rules (it needs root): %w", err)
			}
			fmt.Fprintln(stdout, "kill-switch rules removed; the setting stays for the service's next start")
			return nil
		}
		if fs.NArg() > 1 {
			return usageError("give one mode: off, auto or always")
		}
		var mode api.KillSwitchMode
		if fs.NArg() == 1 {
			m, err := api.ParseKillSwitchMode(fs.Arg(0))
			if err != nil {
				return usageError(err.Error())
			}
			mode = m
		}
		ks, err := c.KillSwitch(ctx)
		if err != nil {
			return err
		}
		if mode != "" || allowLAN.set || locked.set {
			if mode != "" {
				ks.Mode = mode
			}
			if allowLAN.set {
				ks.AllowLAN = allowLAN.value
			}
			if locked.set {
				ks, err = c.SetKillSwitchLocked(ctx, ks.Mode, ks.AllowLAN, locked.value)
			} else {
				ks, err = c.SetKillSwitch(ctx, ks.Mode, ks.AllowLAN)
			}
			if err != nil {
				return err
			}
		}
		if jsonFlag(fs) {
			if err := printJSON(stdout, ks); err != nil {
				return err
			}
		} else {
			fmt.Fprintf(stdout, "kill switch: %s\nallow LAN:   %s\nblocking:    %s\nchanged by:  %s\n", ks.Mode, yesNo(ks.AllowLAN), yesNo(ks.Active), whoChanges(ks))
		}
		if ks.Error != "" {
			return fmt.Errorf("%s", ks.Error)
		}
		return nil
	})

// restoreKillSwitch is --boot: the service is not running yet, so it puts
// back the rules the service applied last, straight from the state
// directory.
func restoreKillSwitch(stdout io.Writer) error {
	p, err := firewall.NewFirewall(slog.New(slog.NewTextHandler(os.Stderr, nil))).Restore()
	if err != nil {
		return fmt.Errorf("%w (it needs root)", err)
	}
	if !p.Blocking() {
		fmt.Fprintln(stdout, "kill switch: nothing to block at boot")
		return nil
	}
	fmt.Fprintf(stdout, "kill switch: blocking (%s, allow LAN: %s) until the service takes over\n", p.Mode, yesNo(p.AllowLAN))
	return nil
}

// whoChanges says who may change the kill switch, and why.
func whoChanges(ks api.KillSwitch) string {
	switch {
	case ks.Locked:
		return "locked: set by an administrator; only an administrator can change it"
	case ks.AdminOnly():
		return "lockdown set by an administrator; only an administrator can change it"
	default:
		return "any operator or administrator"
	}
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// optionalBool is a boolean flag that knows whether it was given.
type optionalBool struct {
	set, value bool
}

func (b *optionalBool) String() string {
	if b == nil {
		return "false"
	}
	return strconv.FormatBool(b.value)
}

func (b *optionalBool) Set(s string) error {
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("want true or false")
	}
	b.set, b.value = true, v
	return nil
}

// IsBoolFlag lets --allow-lan stand for --allow-lan=true.
func (b *optionalBool) IsBoolFlag() bool { return true }
