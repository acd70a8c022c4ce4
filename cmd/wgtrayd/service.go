package main

import (
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wgtray/wgtray/service"
)

func runService(args []string, _, stderr io.Writer) int {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: wgtrayd run   (as root; state in $WGTRAY_STATE_DIR, socket at $WGTRAY_SOCKET)")
		return 2
	}
	if err := service.RunSystemService(service.Options{Log: os.Stderr}); err != nil {
		fmt.Fprintf(stderr, "wgtrayd run: %v\n", err)
		return 1
	}
	return 0
}

// serviceControl is install, uninstall, start and stop.
func serviceControl(action string) func([]string, io.Writer, io.Writer) int {
	return func(args []string, stdout, stderr io.Writer) int {
		fs := flag.NewFlagSet(action, flag.ContinueOnError)
		fs.SetOutput(stderr)
		purge := false
		if action == "uninstall" {
			fs.BoolVar(&purge, "purge", false, "also remove the state directory (every tunnel's configuration)")
		}
		if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
			fmt.Fprintf(stderr, "usage: wgtrayd %s\n", action)
			return 2
		}
		if err := service.Control(action, purge, stdout); err != nil {
			fmt.Fprintf(stderr, "wgtrayd %s: %v\n", action, err)
			return 1
		}
		return 0
	}
}
