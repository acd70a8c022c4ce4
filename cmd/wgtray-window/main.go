// Command wgtray-window is wgtray's window: tunnels with live statistics,
// import, editor, kill switch and the service log. The tray agent wgtray
// starts it on demand (--agent) and hands it commands, one a line, on its
// standard input: "show", "import" (the file dialog), "import-file PATH".
// It ends when the window is closed or, with --agent, when its input
// ends (the agent quit), or when no command came within a minute (the
// agent started it when its menu opened, and Open was not chosen). It runs as the logged-in user, talks to the
// wgtrayd service over its local socket (WGTRAY_SOCKET overrides where)
// and keeps the tunnels' private keys in that user's keyring.
//
//	wgtray-window [--agent] [--note=TEXT] [--key-store=keyring|file] [FILE...]
//
// FILEs (.conf, .zip bundles, QR code images) are imported at start.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"fyne.io/fyne/v2"
	fyneapp "fyne.io/fyne/v2/app"

	"github.com/wgtray/wgtray/app"
	"github.com/wgtray/wgtray/service/client"
	"github.com/wgtray/wgtray/version"
)

func main() {
	agent := flag.Bool("agent", false, "started by the tray agent: show the window on its commands on standard input, and end with that input")
	note := flag.String("note", "", "a note the window shows, such as why there is no tray icon")
	keyStore := flag.String("key-store", "keyring", "where tunnel keys live: keyring, or file (plain text in the user's config directory, for machines without a keyring)")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.String())
		return
	}

	keys, err := client.OpenKeyStore(*keyStore, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wgtray-window:", err)
		os.Exit(2)
	}

	fy := fyneapp.NewWithID("io.github.wgtray")
	fy.SetIcon(app.AppIcon)
	a := app.New(fy, client.New("", keys), app.Options{TrayNote: *note})
	a.Window().SetIcon(app.AppIcon)
	a.Window().SetMaster()
	fy.Lifecycle().SetOnStarted(func() {
		if !*agent {
			a.Show()
		}
		a.Start()
		a.ImportPaths(flag.Args())
		if *agent {
			go follow(os.Stdin, a, fy)
		}
	})
	fy.Run()
	a.Stop()
}

// unusedFor is how long a window the agent started ahead of time waits
// for its first command before it ends.
const unusedFor = time.Minute

// follow carries out the agent's commands until its input ends, then
// quits.
func follow(in io.Reader, a *app.App, fy fyne.App) {
	var used atomic.Bool
	unused := time.AfterFunc(unusedFor, func() {
		if !used.Load() {
			fyne.Do(fy.Quit)
		}
	})
	lines := bufio.NewScanner(in)
	for lines.Scan() {
		used.Store(true)
		unused.Stop()
		cmd, arg, _ := strings.Cut(lines.Text(), " ")
		switch cmd {
		case "show":
			fyne.Do(a.Show)
		case "import":
			fyne.Do(func() { a.Show(); a.ImportDialog() })
		case "import-file":
			fyne.Do(func() { a.Show(); a.ImportPaths([]string{arg}) })
		}
	}
	fyne.Do(fy.Quit)
}
