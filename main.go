// Command wgtray is wgtray's tray agent: a small process per user session
// that shows the tray icon and menu, sends notifications, sends the keys
// again when the service restarts, and starts the window (the program
// wgtray-window, beside it) when asked. It talks to the wgtrayd service
// over its local socket (WGTRAY_SOCKET overrides where) and keeps the
// tunnels' private keys in the user's keyring.
//
//	wgtray [--hidden] [--key-store=keyring|file] [FILE...]
//
// Started again while it runs, it opens the running agent's window and
// hands it the FILEs (.conf, .zip bundles, QR code images) to import.
// Where no tray can show, the window opens at start and closing it quits.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	"fyne.io/systray"

	"github.com/wgtray/wgtray/service/client"
	"github.com/wgtray/wgtray/tray"
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
	if err := run(*hidden, *keyStore, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "wgtray:", err)
		os.Exit(1)
	}
}

func run(hidden bool, keyStore string, args []string) error {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	keys, err := client.OpenKeyStore(keyStore, os.Stderr)
	if err != nil {
		return err
	}
	files, err := absolute(args)
	if err != nil {
		return err
	}
	req := tray.Request{Show: !hidden || len(files) > 0, Files: files}
	socket, err := tray.InstanceSocket()
	if err != nil {
		return err
	}
	if tray.Ask(socket, req) == nil {
		return nil // the running agent shows its window
	}
	windowPath, err := tray.FindWindow()
	if err != nil {
		return err
	}
	note := tray.HostNote()
	win := &tray.WindowProcess{Path: windowPath, Args: []string{"--key-store=" + keyStore}, Log: log}
	if note != "" {
		log.Warn(note)
		win.Args = append(win.Args, "--note="+note)
	}

	quit := make(chan struct{})
	var quitOnce sync.Once
	stop := func() { quitOnce.Do(func() { close(quit) }) }
	serve := func(r tray.Request) {
		if r.Show || note != "" {
			win.Open("show")
		}
		for _, f := range r.Files {
			win.Open("import-file " + f)
		}
	}
	l, err := tray.Listen(socket, log, serve)
	if errors.Is(err, tray.ErrRunning) {
		return tray.Ask(socket, req)
	}
	if err != nil {
		return err
	}
	defer l.Close()

	signals := make(chan os.Signal, 1)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	go func() {
		select {
		case <-signals:
			stop()
		case <-quit:
		}
	}()

	svc := client.New("", keys)
	notifier := tray.NewNotifier(log, func() { win.Open("show") })
	watchCtx, endWatch := context.WithCancel(context.Background())
	defer endWatch()
	opts := tray.Options{Quit: stop, Log: log, Appeared: tray.WatchSocket(watchCtx, svc.Socket(), log)}
	if note != "" {
		// No tray: the window is the app, and closing it quits.
		win.Exited = stop
		agent := tray.NewAgent(svc, tray.NoHost{}, notifier, win, opts)
		agent.Start()
		serve(tray.Request{Show: true, Files: files})
		<-quit
		agent.Stop()
		win.Close()
		return nil
	}
	agent := tray.NewAgent(svc, tray.NewSystray(), notifier, win, opts)
	go func() {
		for range systray.TrayOpenedCh {
			win.Prepare()
		}
	}()
	tray.RunSystray(func() {
		agent.Start()
		serve(req)
	}, quit)
	stop()
	agent.Stop()
	win.Close()
	return nil
}

// absolute makes the files to import absolute, as the running agent that
// imports them may run elsewhere.
func absolute(files []string) ([]string, error) {
	out := make([]string, len(files))
	for i, f := range files {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", f, err)
		}
		if strings.ContainsAny(abs, "\r\n") {
			return nil, fmt.Errorf("import %q: a file name with a line break cannot be imported; rename the file", f)
		}
		out[i] = abs
	}
	return out, nil
}
