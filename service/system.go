package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	kservice "github.com/kardianos/service"

	"github.com/wgtray/wgtray/platform"
)

// The OS service: registration with systemd, SysV init, launchd or the
// Windows service manager through kardianos/service, which then runs
// `wgtrayd run`.

const serviceName = "wgtrayd"

// systemdUnit is the unit installed where systemd runs (in kardianos's
// template language); packages ship the same service, hardened further, as
// packaging/systemd/wgtrayd.service.
const systemdUnit = `[Unit]
Description={{Description}}
After=network-pre.target systemd-resolved.service
Wants=wgtray-killswitch.service

[Service]
Type=simple
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}
Restart=on-failure
RestartSec=2s
Group=wgtray
UMask=0077
RuntimeDirectory=wgtray
RuntimeDirectoryMode=0750
StateDirectory=wgtray
StateDirectoryMode=0700
NoNewPrivileges=yes
ProtectHome=yes
PrivateTmp=yes

[Install]
WantedBy=multi-user.target
`

// program adapts Run to kardianos's Start/Stop.
type program struct {
	opts   Options
	cancel context.CancelFunc
	exited chan struct{} // closed when Run has returned
	err    error         // what Run returned
}

func (p *program) Start(kservice.Service) error {
	ctx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	p.exited = make(chan struct{})
	go func() {
		p.err = Run(ctx, p.opts)
		close(p.exited)
	}()
	return nil
}

func (p *program) Stop(kservice.Service) error {
	p.cancel()
	<-p.exited
	return p.err
}

// wait is what the foreground run waits for: SIGINT or SIGTERM, or the
// service ending by itself (it could not start).
func (p *program) wait() {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	defer signal.Stop(sig)
	select {
	case <-sig:
	case <-p.exited:
	}
}

func newSystemService(opts Options) (kservice.Service, *program, error) {
	prg := &program{opts: opts}
	cfg := &kservice.Config{
		Name:        serviceName,
		DisplayName: "wgtray",
		Description: "wgtray WireGuard service",
		Arguments:   []string{"run"},
		Option: kservice.KeyValue{
			"SystemdScript": systemdUnit,
			"Restart":       "on-failure",
			"RunWait":       prg.wait,
			// Windows: the service manager restarts a crashed service
			// after 2 s, counting failures anew after a quiet day.
			"OnFailure":              "restart",
			"OnFailureDelayDuration": "2s",
			"OnFailureResetPeriod":   86400,
			// launchd: start at boot and again whenever it exits.
			"RunAtLoad": true,
			"KeepAlive": true,
		},
	}
	s, err := kservice.New(prg, cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("the OS service manager: %w", err)
	}
	return s, prg, nil
}

// RunSystemService runs the service under the OS service manager, or in the
// foreground from a terminal until SIGINT or SIGTERM.
func RunSystemService(opts Options) error {
	s, _, err := newSystemService(opts)
	if err != nil {
		return err
	}
	return s.Run()
}

// Control installs, uninstalls, starts or stops the OS service. Uninstall
// also removes what the service manager leaves behind (SysV rc links and
// log files) and the socket; with purge also the state directory.
func Control(action string, purge bool, out io.Writer) error {
	s, _, err := newSystemService(Options{})
	if err != nil {
		return err
	}
	switch action {
	case "install":
		if err := s.Install(); err != nil {
			return fmt.Errorf("install the service: %w", err)
		}
		fmt.Fprintf(out, "installed %s (%s); start it with `wgtrayd start`\n", serviceName, s.Platform())
		return nil
	case "uninstall":
		if st, err := s.Status(); err == nil && st == kservice.StatusRunning {
			if err := s.Stop(); err != nil {
				return fmt.Errorf("stop the service before removing it: %w", err)
			}
		}
		var errs []error
		if err := s.Uninstall(); err != nil && !errors.Is(err, kservice.ErrNotInstalled) {
			errs = append(errs, fmt.Errorf("uninstall the service: %w", err))
		}
		errs = append(errs, removeLeftovers(s.Platform(), purge)...)
		if err := errors.Join(errs...); err != nil {
			return err
		}
		fmt.Fprintf(out, "uninstalled %s\n", serviceName)
		return nil
	case "start":
		if err := s.Start(); err != nil {
			return fmt.Errorf("start the service (install it first with `wgtrayd install`): %w", err)
		}
		return nil
	case "stop":
		if err := s.Stop(); err != nil {
			return fmt.Errorf("stop the service: %w", err)
		}
		return nil
	}
	return fmt.Errorf("unknown service action %q", action)
}

// leftoverGlobs are files the service managers leave after uninstalling:
// kardianos's SysV Uninstall removes /etc/init.d/NAME but not its rc?.d
// links nor the logs its script writes.
var leftoverGlobs = []string{
	"/etc/rc?.d/[SK]??" + serviceName,
	"/var/log/" + serviceName + ".log",
	"/var/log/" + serviceName + ".err",
	"/var/run/" + serviceName + ".pid",
}

func removeLeftovers(platformName string, purge bool) []error {
	var errs []error
	remove := func(path string) {
		if err := os.RemoveAll(path); err != nil {
			errs = append(errs, err)
		}
	}
	if platformName == "unix-systemv" || platformName == "linux-systemv" {
		for _, g := range leftoverGlobs {
			matches, _ := filepath.Glob(g)
			for _, m := range matches {
				remove(m)
			}
		}
	}
	remove(platform.SocketPath())
	// The socket's directory goes too when nothing else is in it.
	if err := os.Remove(filepath.Dir(platform.SocketPath())); err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) {
		errs = append(errs, err)
	}
	if purge {
		remove(platform.StateDir())
	}
	return errs
}
