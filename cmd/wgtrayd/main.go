// Command wgtrayd is the wgtray service and the command line that talks to it.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/wgtray/wgtray/version"
)

// command is one subcommand: it gets the arguments after its name and
// returns the process exit status.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"import":     {"import tunnels from .conf, .zip or QR image files (--check: only validate)", runImport},
	"killswitch": {"show or set the kill switch: off, auto or always [--allow-lan=true|false]", runKillSwitch},
	"version": {"print the version and the commit", func(_ []string, stdout, _ io.Writer) int {
		fmt.Fprintln(stdout, version.String())
		return 0
	}},
	"run":       {"run the service in the foreground (what the OS service manager starts)", runService},
	"list":      {"list the tunnels [--json]", listCmd},
	"up":        {"bring a tunnel up with the keys from your keyring: up NAME (a networks=untrusted tunnel on a trusted network stays up until the network changes)", upCmd},
	"down":      {"bring a tunnel down: down NAME (a networks=untrusted tunnel then stays down on every network until up)", downCmd},
	"set":       {"set when a tunnel starts and where it runs: " + setUsage + " (boot gives its keys to this machine; untrusted: down on trusted networks)", setCmd},
	"status":    {"show tunnels with handshake and transfer: status [NAME] [--json]", statusCmd},
	"edit":      {"change a tunnel's config in $EDITOR or from a file; a running tunnel takes it at once: edit NAME [FILE|-]", runEdit},
	"export":    {"print a tunnel's full config, keys included: export NAME [-o FILE]", exportCmd},
	"remove":    {"remove a tunnel and its keys: remove NAME", removeCmd},
	"rename":    {"rename a tunnel that is down, keys included: rename NAME NEWNAME", renameCmd},
	"trusted":   {"networks on which tunnels set to networks=untrusted stay down: " + trustedUsage, trustedCmd},
	"rosenpass": {"post-quantum keys with Rosenpass: " + rosenpassUsage, rosenpassCmd},
	"logs":      {"print the service log [-f]", logsCmd},
	"install":   {"register wgtrayd with the OS service manager", serviceControl("install")},
	"uninstall": {"unregister the service and remove its files [--purge: also the tunnels]", serviceControl("uninstall")},
	"start":     {"start the installed service", serviceControl("start")},
	"stop":      {"stop the installed service", serviceControl("stop")},
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(stdout)
		return 0
	}
	args, ok := takeKeyStore(args, stderr)
	if !ok {
		return 2
	}
	if len(args) == 0 {
		usage(stdout)
		return 0
	}
	if args[0] == "--version" {
		args[0] = "version"
	}
	cmd, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "wgtrayd: unknown command %q; run `wgtrayd help` for the list\n", args[0])
		return 2
	}
	return cmd.run(args[1:], stdout, stderr)
}

// takeKeyStore removes the global option --key-store=keyring|file from
// args, wherever it is, and remembers it for the commands that touch keys.
func takeKeyStore(args []string, stderr io.Writer) ([]string, bool) {
	out := make([]string, 0, len(args))
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return append(out, args[i:]...), true
		case a == "--key-store" || a == "-key-store":
			if i+1 == len(args) {
				fmt.Fprintln(stderr, "wgtrayd: --key-store needs a value: keyring or file")
				return nil, false
			}
			i++
			keyStoreFlag = args[i]
		case strings.HasPrefix(a, "--key-store=") || strings.HasPrefix(a, "-key-store="):
			keyStoreFlag = a[strings.Index(a, "=")+1:]
		default:
			out = append(out, a)
		}
	}
	if keyStoreFlag != "keyring" && keyStoreFlag != "file" {
		fmt.Fprintf(stderr, "wgtrayd: --key-store is keyring or file, not %q\n", keyStoreFlag)
		return nil, false
	}
	return out, true
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: wgtrayd [--key-store=keyring|file] COMMAND [ARGUMENTS]\n\n"+
		"Keys live in your keyring; --key-store=file keeps them in a file of mode 0600 in your\n"+
		"config directory instead, for machines without one.\n\ncommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-12s %s\n", name, commands[name].summary)
	}
}
