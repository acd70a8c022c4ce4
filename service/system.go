package service

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	kservice "github.com/kardianos/service"

	"github.com/wgtray/wgtray/platform/firewall"
	"github.com/wgtray/wgtray/platform/paths"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/systemd"
)

// The OS service: registration with systemd, SysV init, launchd or the
// Windows service manager through kardianos/service, which then runs
// `wgtrayd run`.

const serviceName = "wgtrayd"

// systemdUnit is the packages' hardened unit in kardianos's template
// language: `wgtrayd install` runs the same service, from wherever wgtrayd
// is.
var systemdUnit = strings.Replace(systemd.Service,
	"ExecStart="+systemd.PackagedBinary+" run\n",
	"ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}\n", 1)

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
		Name:         serviceName,
		DisplayName:  "wgtray",
		Description:  "wgtray WireGuard service",
		Arguments:    []string{"run"},
		Dependencies: serviceDependencies,
		Option: kservice.KeyValue{
			"SystemdScript": systemdUnit,
			"Restart":       "on-failure",
			"RunWait":       prg.wait,
			// Windows: the service manager restarts a crashed service
			// after 2 s, counting failures anew after a quiet day.
			"OnFailure":              "restart",
			"OnFailureDelayDuration": "2s",
			"OnFailureResetPeriod":   86400,
			// launchd: start at boot and again whenever it fails.
			"LaunchdConfig": launchdPlist,
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
		if s.Platform() == systemdPlatform {
			if err := checkSystemdPath(); err != nil {
				return err
			}
		}
		if err := s.Install(); err != nil {
			return fmt.Errorf("install the service: %w", err)
		}
		if s.Platform() == systemdPlatform {
			if err := installKillSwitchUnit(); err != nil {
				return err
			}
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
		// The kill switch's rules outlive the service (on Windows even a
		// reboot), and nothing would remove them once it is gone.
		fw := firewall.NewFirewall(slog.New(slog.NewTextHandler(out, nil)))
		if active, err := fw.Active(); err == nil && active {
			if err := fw.Apply(firewall.FirewallPolicy{Mode: api.KillSwitchOff}); err != nil {
				errs = append(errs, fmt.Errorf("turn the kill switch off: %w", err))
			}
		}
		if err := s.Uninstall(); err != nil && !errors.Is(err, kservice.ErrNotInstalled) {
			errs = append(errs, fmt.Errorf("uninstall the service: %w", err))
		}
		if s.Platform() == systemdPlatform {
			errs = append(errs, uninstallKillSwitchUnit())
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
	if platformName == "darwin-launchd" {
		remove(launchdLog)
	}
	remove(paths.SocketPath())
	// The socket's directory goes too when nothing else is in it.
	if err := os.Remove(filepath.Dir(paths.SocketPath())); err != nil && !errors.Is(err, os.ErrNotExist) && !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) {
		errs = append(errs, err)
	}
	if purge {
		remove(paths.StateDir())
	}
	return errs
}

// systemdPlatform is kardianos's name for a machine that runs systemd.
const systemdPlatform = "linux-systemd"

// systemdUnitDir is where kardianos writes wgtrayd.service, and we the
// kill-switch unit beside it.
const systemdUnitDir = "/etc/systemd/system"

// checkSystemdPath refuses an executable that the unit's ProtectHome would
// hide from the service.
func checkSystemdPath() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find wgtrayd's own path: %w", err)
	}
	for _, hidden := range []string{"/home/", "/root/", "/run/user/"} {
		if strings.HasPrefix(exe, hidden) {
			return fmt.Errorf("%s is under %s, which the service's unit hides (ProtectHome): copy wgtrayd to /usr/local/bin and run `/usr/local/bin/wgtrayd install` from there", exe, hidden)
		}
	}
	return nil
}

// installKillSwitchUnit writes the early-boot kill-switch unit for this
// executable and enables it, as the packages do.
func installKillSwitchUnit() error {
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find wgtrayd's own path: %w", err)
	}
	unit := strings.Replace(systemd.KillSwitch, "ExecStart="+systemd.PackagedBinary+" ", "ExecStart="+systemdQuote(exe)+" ", 1)
	if err := os.WriteFile(filepath.Join(systemdUnitDir, systemd.KillSwitchName), []byte(unit), 0o644); err != nil {
		return fmt.Errorf("write the kill-switch unit: %w", err)
	}
	if out, err := exec.Command("systemctl", "enable", systemd.KillSwitchName).CombinedOutput(); err != nil {
		return fmt.Errorf("enable %s: %w: %s", systemd.KillSwitchName, err, out)
	}
	return nil
}

func uninstallKillSwitchUnit() error {
	path := filepath.Join(systemdUnitDir, systemd.KillSwitchName)
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if out, err := exec.Command("systemctl", "disable", systemd.KillSwitchName).CombinedOutput(); err != nil {
		return fmt.Errorf("disable %s: %w: %s", systemd.KillSwitchName, err, out)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove the kill-switch unit: %w", err)
	}
	return nil
}

// systemdQuote quotes a path for an ExecStart line.
func systemdQuote(s string) string {
	if !strings.ContainsAny(s, " \t\"'\\%$") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "%", "%%", "$", "$$")
	return `"` + r.Replace(s) + `"`
}
