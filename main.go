// Command wgtray is the wgtray desktop app: the window and the tray icon.
// It runs as the logged-in user, talks to the wgtrayd service over its
// local socket (WGTRAY_SOCKET overrides where) and keeps the tunnels'
// private keys in that user's keyring.
//
//	wgtray [--hidden] [--key-store=keyring|file] [FILE...]
//
// FILEs (.conf, .zip bundles, QR code images) are imported at start.
package main

import (
	"flag"
	"fmt"
	"log/slog"
	"os"

	fyneapp "fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/wgtray/wgtray/app"
	"github.com/wgtray/wgtray/service/client"
	"github.com/wgtray/wgtray/version"
)

func main() {
	hidden := flag.Bool("hidden", false, "start in the tray without showing the window (used by autostart)")
	keyStore := flag.String("key-store", "keyring", "where tunnel keys live: keyring, or file (plain text in the user's config directory, for machines without a keyring)")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println(version.String())
		return
	}

	keys, err := openKeyStore(*keyStore)
	if err != nil {
		fmt.Fprintln(os.Stderr, "wgtray:", err)
		os.Exit(2)
	}

	fy := fyneapp.NewWithID("io.github.wgtray")
	fy.SetIcon(app.AppIcon)
	opts := app.Options{}
	enable, note := app.PrepareTray()
	opts.TrayNote = note
	if d, ok := fy.(desktop.App); ok && enable {
		opts.Tray = d
	}
	if note != "" {
		slog.Warn(note)
	}
	a := app.New(fy, client.New("", keys), opts)
	a.Window().SetIcon(app.AppIcon)
	fy.Lifecycle().SetOnStarted(func() {
		if !*hidden || opts.Tray == nil || note != "" {
			a.Show()
		}
		a.Start()
		a.ImportPaths(flag.Args())
	})
	fy.Run()
	a.Stop()
}

func openKeyStore(kind string) (client.KeyStore, error) {
	switch kind {
	case "keyring":
		return client.Keyring(), nil
	case "file":
		dir, err := client.DefaultKeyDir()
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, client.FileKeyStoreWarning+"\n", dir)
		return client.FileKeyStore(dir), nil
	default:
		return nil, fmt.Errorf("--key-store is keyring or file, not %q", kind)
	}
}
