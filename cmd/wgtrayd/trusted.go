package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/wgtray/wgtray/platform/netid"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

const trustedUsage = "trusted add current|gateway:MAC|ssid:NAME [gateway:MAC] [--name LABEL] | trusted remove ID|LABEL | trusted list [--json]"

// trustedCmd manages the machine's trusted networks, on which tunnels set
// to networks=untrusted stay down.
var trustedCmd = simple("trusted", trustedUsage, func(fs *flag.FlagSet) {
	fs.Bool("json", false, "print JSON (list)")
	fs.String("name", "", "a label for the network (add); its SSID or gateway MAC when empty")
}, func(ctx context.Context, c *client.Client, fs *flag.FlagSet, stdout, stderr io.Writer) error {
	if fs.NArg() == 0 {
		return usageError("say add, remove or list")
	}
	args := fs.Args()[1:]
	switch fs.Arg(0) {
	case "add":
		req, err := parseTrust(args)
		if err != nil {
			return usageError(err.Error())
		}
		req.Name = fs.Lookup("name").Value.String()
		n, err := c.Trust(ctx, req)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "trusted %q (%s) [%s]; tunnels set to networks=untrusted stay down on it\n", n.Name, n.Identifies, n.ID)
		if n.Warning != "" {
			fmt.Fprintf(stderr, "warning: %s\n", n.Warning)
		}
		return nil
	case "remove":
		if len(args) != 1 {
			return usageError("give the ID or label of one trusted network (`wgtrayd trusted list` shows them)")
		}
		if err := c.Distrust(ctx, args[0]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is no longer trusted\n", args[0])
		return nil
	case "list":
		if len(args) != 0 {
			return usageError("trusted list takes no arguments")
		}
		n, err := c.Networks(ctx)
		if err != nil {
			return err
		}
		if jsonFlag(fs) {
			return printJSON(stdout, n)
		}
		printNetworks(stdout, n)
		return nil
	}
	return usageError(fmt.Sprintf("unknown trusted command %q: use add, remove or list", fs.Arg(0)))
})

// parseTrust reads what `trusted add` is given: current, or gateway:MAC
// and/or ssid:NAME.
func parseTrust(args []string) (api.TrustRequest, error) {
	var req api.TrustRequest
	if len(args) == 0 {
		return req, fmt.Errorf("say which network: current, gateway:MAC or ssid:NAME")
	}
	for _, a := range args {
		kind, value, _ := strings.Cut(a, ":")
		switch {
		case a == "current" && len(args) == 1:
			req.Current = true
		case kind == "gateway" && req.GatewayMAC == "":
			mac, err := netid.ParseMAC(value)
			if err != nil {
				return api.TrustRequest{}, err
			}
			req.GatewayMAC = mac
		case kind == "ssid" && req.SSID == "":
			if value == "" || len(value) > 32 {
				return api.TrustRequest{}, fmt.Errorf("an SSID is 1 to 32 bytes: ssid:NAME")
			}
			req.SSID = value
		default:
			return api.TrustRequest{}, fmt.Errorf("%q is not a network: give current alone, or gateway:MAC and ssid:NAME once each", a)
		}
	}
	return req, nil
}

// printNetworks prints the trusted networks and marks the current one.
func printNetworks(w io.Writer, n api.Networks) {
	fmt.Fprintf(w, "current network: %s\n\n", currentNetworkText(n.Current))
	if len(n.Trusted) == 0 {
		fmt.Fprintln(w, "no trusted networks: tunnels set to networks=untrusted run everywhere")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\tID\tNAME\tIDENTIFIED BY\tADDED BY\tADDED")
	for _, t := range n.Trusted {
		mark := ""
		if t.Current {
			mark = "*"
		}
		by := t.AddedBy.Name
		if by == "" {
			by = "uid " + t.AddedBy.UID
		}
		id := t.Identifies
		if t.Warning != "" {
			id += " (SSID alone: can be spoofed)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", mark, t.ID, t.Name, id, by, t.AddedAt.Local().Format("2006-01-02 15:04"))
	}
	_ = tw.Flush()
	for _, t := range n.Trusted {
		if t.Warning != "" {
			fmt.Fprintf(w, "\nwarning: %s is %s\n", t.Name, t.Warning)
		}
	}
}

// currentNetworkText says where the laptop is and whether it is trusted.
func currentNetworkText(c api.CurrentNetwork) string {
	switch {
	case c.Trusted:
		return fmt.Sprintf("%s, trusted as %q", c.Text, c.TrustedName)
	case c.Known:
		return c.Text + ", not trusted"
	}
	return c.Text + " (counts as untrusted)"
}
