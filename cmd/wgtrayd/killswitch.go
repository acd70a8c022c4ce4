package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/wgtray/wgtray/platform"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

const killSwitchUsage = `usage: wgtrayd killswitch [off|auto|always] [--allow-lan=true|false]
       wgtrayd killswitch --boot

Without arguments, print the kill-switch setting and whether it blocks now.

  off     never block
  auto    while a tunnel that routes all traffic is up (or coming up),
          block everything that does not go through it
  always  block everything outside the tunnels, even with no tunnel up,
          until turned off

  --allow-lan  keep the local network (private, link-local and multicast
               addresses) reachable while blocking; unchanged when omitted
  --boot       put the last kill-switch rules back in place without the
               service (run as root by wgtray-killswitch.service at boot,
               before the network comes up)
`

func runKillSwitch(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("killswitch", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, killSwitchUsage) }
	var allowLAN optionalBool
	fs.Var(&allowLAN, "allow-lan", "keep the local network reachable")
	boot := fs.Bool("boot", false, "restore the last rules at boot")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// The mode may come before or after the flags.
	var mode string
	if fs.NArg() > 0 {
		mode = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return 2
		}
		if fs.NArg() > 0 {
			fmt.Fprintf(stderr, "wgtrayd killswitch: unexpected %q\n%s", fs.Arg(0), killSwitchUsage)
			return 2
		}
	}

	if *boot {
		if mode != "" || allowLAN.set {
			fmt.Fprintf(stderr, "wgtrayd killswitch: --boot takes no other arguments\n")
			return 2
		}
		return restoreKillSwitch(stdout, stderr)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := client.New("", nil)
	ks, err := c.KillSwitch(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "wgtrayd killswitch: %v\n", err)
		return 1
	}
	if mode != "" || allowLAN.set {
		if mode != "" {
			m, err := platform.ParseKillSwitchMode(mode)
			if err != nil {
				fmt.Fprintf(stderr, "wgtrayd killswitch: %v\n", err)
				return 2
			}
			ks.Mode = api.KillSwitchMode(m)
		}
		if allowLAN.set {
			ks.AllowLAN = allowLAN.value
		}
		if ks, err = c.SetKillSwitch(ctx, ks.Mode, ks.AllowLAN); err != nil {
			fmt.Fprintf(stderr, "wgtrayd killswitch: %v\n", err)
			return 1
		}
	}
	printKillSwitch(stdout, ks)
	if ks.Error != "" {
		fmt.Fprintf(stderr, "wgtrayd killswitch: %s\n", ks.Error)
		return 1
	}
	return 0
}

func printKillSwitch(w io.Writer, ks api.KillSwitch) {
	fmt.Fprintf(w, "kill switch: %s\nallow LAN:   %s\nblocking:    %s\n", ks.Mode, yesNo(ks.AllowLAN), yesNo(ks.Active))
}

// restoreKillSwitch is --boot: the service is not running yet, so it puts
// back the rules the service applied last, straight from the state
// directory.
func restoreKillSwitch(stdout, stderr io.Writer) int {
	p, err := platform.NewFirewall().Restore()
	if err != nil {
		fmt.Fprintf(stderr, "wgtrayd killswitch --boot: %v (run it as root)\n", err)
		return 1
	}
	if !p.Blocking() {
		fmt.Fprintln(stdout, "kill switch: nothing to block at boot")
		return 0
	}
	fmt.Fprintf(stdout, "kill switch: blocking (%s, allow LAN: %s) until the service takes over\n", p.Mode, yesNo(p.AllowLAN))
	return 0
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

func (b *optionalBool) String() string { return strconv.FormatBool(b.value) }

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
