package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"

	"github.com/wgtray/wgtray/internal/atomicfile"
)

// keyStoreFlag is the global --key-store option: "keyring" (default) or
// "file".
var keyStoreFlag = "keyring"

// newClient connects to the service with the key store the user chose.
func newClient(stderr io.Writer) (*client.Client, error) {
	keys, err := client.OpenKeyStore(keyStoreFlag, stderr)
	if err != nil {
		return nil, err
	}
	return client.New("", keys), nil
}

// requestTimeout bounds one command's talk with the service.
const requestTimeout = api.UpTimeout + 20*time.Second

// simple wraps a command that takes a flag set and needs a client.
func simple(name, usage string, setup func(*flag.FlagSet), run func(ctx context.Context, c *client.Client, fs *flag.FlagSet, stdout, stderr io.Writer) error) func([]string, io.Writer, io.Writer) int {
	return func(args []string, stdout, stderr io.Writer) int {
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		fs.SetOutput(stderr)
		fs.Usage = func() { fmt.Fprintf(stderr, "usage: wgtrayd %s\n", usage); fs.PrintDefaults() }
		if setup != nil {
			setup(fs)
		}
		if err := parseInterspersed(fs, args); err != nil {
			return 2
		}
		c, err := newClient(stderr)
		if err != nil {
			fmt.Fprintf(stderr, "wgtrayd %s: %v\n", name, err)
			return 2
		}
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
		if err := run(ctx, c, fs, stdout, stderr); err != nil {
			var ue usageError
			if errors.As(err, &ue) {
				fmt.Fprintf(stderr, "wgtrayd %s: %v\nusage: wgtrayd %s\n", name, err, usage)
				return 2
			}
			fmt.Fprintf(stderr, "wgtrayd %s: %v%s\n", name, err, hint(name, err))
			return 1
		}
		return 0
	}
}

// hints say what to do about a service error, with this program. A missing
// TUN device has none: the service's own sentence says what its OS needs.
var hints = map[string]string{
	api.CodeNotFound:             "`wgtrayd list` shows the tunnels",
	api.CodeExists:               "remove it first (`wgtrayd remove NAME`) or import under another name (--name)",
	api.CodeEndpointUnresolvable: "check the peer's Endpoint and the network connection",
	api.CodeAddressConflict:      "bring down the other tunnel or interface with that address, or change Address",
	api.CodeRouteConflict:        "remove the other route or change AllowedIPs",
	api.CodeNoPrivateKey:         "import the config again with its PrivateKey (`wgtrayd import FILE`)",
	api.CodeKillSwitchLocked:     "ask an administrator to change it (`sudo wgtrayd killswitch ...`)",
	api.CodeNoMachineStore:       "start=login needs no keys at rest: your tray agent brings the tunnel up when you log in",
}

// commandHints are the hints of commands whose errors are about something
// else than the general hints say: `trusted` is about trusted networks;
// `rename` has no --name, and a running tunnel has to come down first.
var commandHints = map[string]map[string]string{
	"trusted": {
		api.CodeNotFound: "`wgtrayd trusted list` shows the trusted networks",
		api.CodeExists:   "give this one another label with --name",
	},
	"rename": {
		api.CodeExists:   "choose another new name",
		api.CodeConflict: "`wgtrayd down NAME` brings it down",
	},
}

// hint is "; " and the hint for err in the command that got it, or
// nothing.
func hint(command string, err error) string {
	switch {
	case errors.Is(err, client.ErrKeysTooLarge):
		return "; or import it with --key-store=file"
	case errors.Is(err, client.ErrNoKeyring):
		return "; " + noKeyringHint
	}
	code := client.Code(err)
	if h, ok := commandHints[command][code]; ok {
		return "; " + h
	}
	if h := hints[code]; h != "" {
		return "; " + h
	}
	return ""
}

type usageError string

func (e usageError) Error() string { return string(e) }

// parseInterspersed lets flags come after the positional arguments too
// (`wgtrayd status home --json`).
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return fs.Parse(append([]string{"--"}, pos...))
}

func oneName(fs *flag.FlagSet) (string, error) {
	if fs.NArg() != 1 {
		return "", usageError("give exactly one tunnel name")
	}
	return fs.Arg(0), nil
}

var listCmd = simple("list", "list [--json]", func(fs *flag.FlagSet) { fs.Bool("json", false, "print JSON") },
	func(ctx context.Context, c *client.Client, fs *flag.FlagSet, stdout, _ io.Writer) error {
		if fs.NArg() != 0 {
			return usageError("list takes no arguments")
		}
		ts, err := c.List(ctx)
		if err != nil {
			return err
		}
		if jsonFlag(fs) {
			return printJSON(stdout, map[string]any{"tunnels": ts})
		}
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tSTATE\tSTART\tNETWORKS\tOWNER\tNOTE")
		for _, t := range ts {
			owner := "(another user)"
			if t.Owner != nil {
				owner = t.Owner.Name
				if owner == "" {
					owner = "uid " + t.Owner.UID
				}
			}
			start, networks := string(t.Start), string(t.Networks)
			if start == "" {
				start = "-"
			}
			if networks == "" {
				networks = "-"
			}
			note := t.Error
			if t.Paused != "" {
				note = t.Paused
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", t.Name, t.State, start, networks, owner, note)
		}
		return tw.Flush()
	})

func jsonFlag(fs *flag.FlagSet) bool {
	f := fs.Lookup("json")
	return f != nil && f.Value.String() == "true"
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

var upCmd = simple("up", "up NAME", nil,
	func(ctx context.Context, c *client.Client, fs *flag.FlagSet, stdout, _ io.Writer) error {
		name, err := oneName(fs)
		if err != nil {
			return err
		}
		t, err := c.Up(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is %s\n", t.Name, t.State)
		return nil
	})

var downCmd = simple("down", "down NAME", nil,
	func(ctx context.Context, c *client.Client, fs *flag.FlagSet, stdout, _ io.Writer) error {
		name, err := oneName(fs)
		if err != nil {
			return err
		}
		t, err := c.Down(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s is %s\n", t.Name, t.State)
		return nil
	})

var removeCmd = simple("remove", "remove NAME", nil,
	func(ctx context.Context, c *client.Client, fs *flag.FlagSet, stdout, _ io.Writer) error {
		name, err := oneName(fs)
		if err != nil {
			return err
		}
		if err := c.Delete(ctx, name); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "removed %s and its keys\n", name)
		return nil
	})

// setUsage is the set command's usage.
const setUsage = "set NAME [start=manual|login|boot] [networks=any|untrusted]"

// setCmd changes a tunnel's settings, given as KEY=VALUE.
var setCmd = simple("set", setUsage, nil,
	func(ctx context.Context, c *client.Client, fs *flag.FlagSet, stdout, _ io.Writer) error {
		if fs.NArg() < 2 {
			return usageError("give a tunnel name and at least one setting")
		}
		name := fs.Arg(0)
		req, err := parseSettings(fs.Args()[1:])
		if err != nil {
			return usageError(err.Error())
		}
		t, err := c.SetSettings(ctx, name, req)
		if err != nil {
			return err
		}
		if req.Start != "" {
			fmt.Fprintf(stdout, "%s starts: %s\n", t.Name, startMeaning(t))
		}
		if req.Networks != "" {
			fmt.Fprintf(stdout, "%s runs: %s\n", t.Name, networksMeaning(t))
		}
		return nil
	})

// parseSettings reads KEY=VALUE settings, each at most once.
func parseSettings(args []string) (api.SettingsRequest, error) {
	var req api.SettingsRequest
	for _, arg := range args {
		key, value, _ := strings.Cut(arg, "=")
		var err error
		switch {
		case key == "start" && req.Start == "":
			req.Start, err = api.ParseStartMode(value)
		case key == "networks" && req.Networks == "":
			req.Networks, err = api.ParseNetworksMode(value)
		default:
			err = fmt.Errorf("unknown or repeated setting %q: the settings are start=manual|login|boot and networks=any|untrusted", arg)
		}
		if err != nil {
			return api.SettingsRequest{}, err
		}
	}
	return req, nil
}

// networksMeaning says in words where tunnel t runs.
func networksMeaning(t api.Tunnel) string {
	if t.Networks == api.NetworksUntrusted {
		s := "untrusted: only on networks the machine does not trust (`wgtrayd trusted list`); on a trusted one it is paused with its keys held and comes back when you leave it. `down` keeps it down everywhere; `up` on a trusted network keeps it up until the network changes"
		if t.Paused != "" {
			s += " (now " + t.Paused + ")"
		}
		return s
	}
	return "any: on every network"
}

// startMeaning says in words when tunnel t comes up by itself.
func startMeaning(t api.Tunnel) string {
	switch t.Start {
	case api.StartLogin:
		return "login: your tray agent brings it up when you log in, with the keys from your keyring"
	case api.StartBoot:
		return fmt.Sprintf("boot: %s (%s)", api.BootMeaning, t.SealedBy)
	}
	return "manual: only when someone brings it up"
}

var renameCmd = simple("rename", "rename NAME NEWNAME", nil,
	func(ctx context.Context, c *client.Client, fs *flag.FlagSet, stdout, _ io.Writer) error {
		if fs.NArg() != 2 {
			return usageError("give the tunnel's name and its new name")
		}
		if err := importer.ValidateName(fs.Arg(1)); err != nil {
			return usageError(err.Error())
		}
		t, err := c.Rename(ctx, fs.Arg(0), fs.Arg(1))
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "renamed %s to %s; its keys moved with it\n", fs.Arg(0), t.Name)
		return nil
	})

var exportCmd = simple("export", "export NAME [-o FILE]", func(fs *flag.FlagSet) { fs.String("o", "", "write to FILE (mode 0600) instead of standard output") },
	func(ctx context.Context, c *client.Client, fs *flag.FlagSet, stdout, stderr io.Writer) error {
		name, err := oneName(fs)
		if err != nil {
			return err
		}
		cfg, err := c.Export(ctx, name)
		if err != nil {
			return err
		}
		out := fs.Lookup("o").Value.String()
		if out == "" || out == "-" {
			_, err := io.WriteString(stdout, cfg.String())
			return err
		}
		if err := atomicfile.Write(out, []byte(cfg.String()), 0o600); err != nil {
			return fmt.Errorf("write %s: %w", out, err)
		}
		fmt.Fprintf(stderr, "wrote %s; it holds the private key, keep it safe\n", out)
		return nil
	})

var statusCmd = simple("status", "status [NAME] [--json]", func(fs *flag.FlagSet) { fs.Bool("json", false, "print JSON") },
	func(ctx context.Context, c *client.Client, fs *flag.FlagSet, stdout, _ io.Writer) error {
		if fs.NArg() > 1 {
			return usageError("give at most one tunnel name")
		}
		st, err := c.Status(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		if jsonFlag(fs) {
			return printJSON(stdout, st)
		}
		printStatus(stdout, st, time.Now())
		return nil
	})

func printStatus(w io.Writer, st api.Status, now time.Time) {
	for _, t := range st.Tunnels {
		fmt.Fprintf(w, "tunnel: %s\n  state: %s\n", t.Name, t.State)
		if t.Start != "" {
			fmt.Fprintf(w, "  start: %s\n", t.Start)
		}
		if t.Networks != "" {
			fmt.Fprintf(w, "  networks: %s\n", t.Networks)
		}
		if t.Paused != "" {
			fmt.Fprintf(w, "  %s (comes back up when the laptop leaves it)\n", t.Paused)
		}
		if t.Error != "" {
			fmt.Fprintf(w, "  error: %s\n", t.Error)
		}
		if t.NoNetwork {
			fmt.Fprintf(w, "  waiting for the network: no route to any peer's endpoint\n")
		}
		if t.Unanswered {
			fmt.Fprintf(w, "  a peer answers nothing: no handshake for 3 minutes although traffic was sent; check that the peer runs\n")
		}
		if i := t.Interface; i != nil {
			if i.Name != "" {
				fmt.Fprintf(w, "  interface: %s\n", i.Name)
			}
			fmt.Fprintf(w, "  public key: %s\n", i.PublicKey)
			if i.ListenPort != 0 {
				fmt.Fprintf(w, "  listening port: %d\n", i.ListenPort)
			}
			fmt.Fprintf(w, "  addresses: %s\n", joinStrings(i.Addresses))
		}
		for _, p := range t.Peers {
			fmt.Fprintf(w, "\n  peer: %s\n", p.PublicKey)
			if p.Endpoint != "" {
				fmt.Fprintf(w, "    endpoint: %s\n", p.Endpoint)
			}
			fmt.Fprintf(w, "    allowed ips: %s\n", joinStrings(p.AllowedIPs))
			if p.LatestHandshake != nil {
				fmt.Fprintf(w, "    latest handshake: %s ago\n", now.Sub(*p.LatestHandshake).Round(time.Second))
			}
			if t.State == api.StateUp {
				fmt.Fprintf(w, "    transfer: %s received, %s sent\n", bytesHuman(p.RxBytes), bytesHuman(p.TxBytes))
			}
			if r := p.Rosenpass; r != nil {
				fmt.Fprintf(w, "    rosenpass: on, %s", r.Endpoint)
				if r.State != "" {
					fmt.Fprintf(w, ", %s", r.State)
				}
				if r.LastExchange != nil {
					fmt.Fprintf(w, ", last exchange %s ago", now.Sub(*r.LastExchange).Round(time.Second))
				}
				fmt.Fprintln(w)
				if r.Reason != "" {
					fmt.Fprintf(w, "    %s\n", r.Reason)
				}
			} else if t.Interface != nil {
				fmt.Fprintf(w, "    rosenpass: off\n")
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "network: %s\n", currentNetworkText(st.Network))
	k := st.KillSwitch
	fmt.Fprintf(w, "kill switch: %s (allow LAN: %t, blocking now: %t)\n", k.Mode, k.AllowLAN, k.Active)
	if k.Error != "" {
		fmt.Fprintf(w, "  error: %s\n", k.Error)
	}
}

func joinStrings[T fmt.Stringer](xs []T) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = x.String()
	}
	return strings.Join(s, ", ")
}

func bytesHuman(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.2f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func logsCmd(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	fs.SetOutput(stderr)
	follow := fs.Bool("f", false, "keep printing new entries")
	asJSON := fs.Bool("json", false, "print one JSON object a line")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: wgtrayd logs [-f] [--json]")
		return 2
	}
	c := client.New("", nil)
	print := func(e api.LogEntry) {
		if *asJSON {
			b, _ := json.Marshal(e)
			fmt.Fprintf(stdout, "%s\n", b)
			return
		}
		var attrs strings.Builder
		for k, v := range e.Attrs {
			fmt.Fprintf(&attrs, " %s=%q", k, v)
		}
		fmt.Fprintf(stdout, "%s %-5s %s%s\n", e.Time.Local().Format(time.DateTime), e.Level, e.Message, attrs.String())
	}
	var err error
	if *follow {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err = c.FollowLogs(ctx, print)
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
		var entries []api.LogEntry
		entries, err = c.Logs(ctx)
		for _, e := range entries {
			print(e)
		}
	}
	if err != nil {
		fmt.Fprintf(stderr, "wgtrayd logs: %v\n", err)
		return 1
	}
	return 0
}
