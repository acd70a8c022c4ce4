// Command wgtrayd is the wgtray service and the command line that talks to it.
package main

import (
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/wgtray/wgtray/version"
)

// command is one subcommand: it gets the arguments after its name and
// returns the process exit status.
type command struct {
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{
	"killswitch": {"show or set the kill switch: off, auto or always [--allow-lan=true|false]", runKillSwitch},
	"version": {"print the version and the commit", func(_ []string, stdout, _ io.Writer) int {
		fmt.Fprintln(stdout, version.String())
		return 0
	}},
}

func main() {
	os.Exit(dispatch(os.Args[1:], os.Stdout, os.Stderr))
}

func dispatch(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
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

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: wgtrayd COMMAND [ARGUMENTS]\n\ncommands:")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		fmt.Fprintf(w, "  %-12s %s\n", name, commands[name].summary)
	}
}
