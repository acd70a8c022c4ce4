package netconf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/godbus/dbus/v5"

	"github.com/wgtray/wgtray/internal/atomicfile"
)

const resolvConf = "/etc/resolv.conf"

// ApplyDNS points name resolution at the tunnel's servers: per link through
// systemd-resolved when it runs, otherwise by replacing resolv.conf, through
// resolvconf(8) when it is installed. Close restores what was there.
func ApplyDNS(cfg DNSConfig, log *slog.Logger) (DNS, error) {
	if d, err := applyResolved(cfg); d != nil || err != nil {
		return d, err
	}
	content := resolvConfText(cfg)
	if path, err := exec.LookPath("resolvconf"); err == nil {
		return applyResolvconf(cfg, path, content)
	}
	return applyResolvConfFile(cfg, content, log)
}

func resolvConfText(cfg DNSConfig) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Written by wgtray while the tunnel %s is up; the previous file comes back when it goes down.\n", cfg.Interface)
	for _, s := range cfg.Servers {
		fmt.Fprintf(&b, "nameserver %s\n", s)
	}
	if len(cfg.Search) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(cfg.Search, " "))
	}
	return b.Bytes()
}

// systemd-resolved, over D-Bus.

type resolvedDNS struct {
	conn  *dbus.Conn
	index int32
}

// applyResolved returns nil and no error when systemd-resolved does not run.
func applyResolved(cfg DNSConfig) (DNS, error) {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return nil, nil
	}
	var running bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, "org.freedesktop.resolve1").Store(&running); err != nil || !running {
		conn.Close()
		return nil, nil
	}
	iface, err := net.InterfaceByName(cfg.Interface)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("set DNS of %s: %w", cfg.Interface, err)
	}
	d := &resolvedDNS{conn: conn, index: int32(iface.Index)}
	type address struct {
		Family  int32
		Address []byte
	}
	type domain struct {
		Name        string
		RoutingOnly bool
	}
	var servers []address
	for _, s := range cfg.Servers {
		family := int32(2) // AF_INET
		if s.Is6() {
			family = 10 // AF_INET6
		}
		servers = append(servers, address{family, s.AsSlice()})
	}
	domains := []domain{}
	for _, s := range cfg.Search {
		domains = append(domains, domain{s, false})
	}
	if cfg.DefaultRoute {
		domains = append(domains, domain{".", true})
	}
	calls := []struct {
		method string
		arg    any
	}{
		{"SetLinkDNS", servers},
		{"SetLinkDomains", domains},
		{"SetLinkDefaultRoute", cfg.DefaultRoute},
	}
	for _, c := range calls {
		if err := d.call(c.method, c.arg); err != nil {
			return nil, errors.Join(fmt.Errorf("set DNS of %s through systemd-resolved: %w", cfg.Interface, err), d.Close())
		}
	}
	return d, nil
}

func (d *resolvedDNS) call(method string, args ...any) error {
	obj := d.conn.Object("org.freedesktop.resolve1", "/org/freedesktop/resolve1")
	return obj.Call("org.freedesktop.resolve1.Manager."+method, 0, append([]any{d.index}, args...)...).Err
}

func (d *resolvedDNS) Close() error {
	err := d.call("RevertLink")
	d.conn.Close()
	if err != nil {
		return fmt.Errorf("revert DNS through systemd-resolved: %w", err)
	}
	return nil
}

// resolv.conf, through resolvconf or directly.

type dnsRecord struct {
	Interface string
	// Resolvconf is the resolvconf record name, when resolvconf was used.
	Resolvconf string `json:",omitempty"`
	// File: what resolv.conf was (Missing, a Symlink, or Original with
	// Mode) and what wgtray Wrote.
	Missing  bool        `json:",omitempty"`
	Symlink  string      `json:",omitempty"`
	Original []byte      `json:",omitempty"`
	Mode     os.FileMode `json:",omitempty"`
	Wrote    []byte      `json:",omitempty"`
}

type fileDNS struct {
	rec      dnsRecord
	stateDir string
	log      *slog.Logger
}

func applyResolvconf(cfg DNSConfig, resolvconf string, content []byte) (DNS, error) {
	rec := dnsRecord{Interface: cfg.Interface, Resolvconf: resolvconfPrefix() + cfg.Interface}
	if err := writeRecord(cfg.StateDir, cfg.Interface, dnsRecordKind, rec); err != nil {
		return nil, err
	}
	cmd := exec.Command(resolvconf, "-a", rec.Resolvconf, "-m", "0", "-x")
	cmd.Stdin = bytes.NewReader(content)
	if out, err := cmd.CombinedOutput(); err != nil {
		err = fmt.Errorf("set DNS of %s with resolvconf: %w: %s", cfg.Interface, err, bytes.TrimSpace(out))
		return nil, errors.Join(err, removeRecord(cfg.StateDir, cfg.Interface, dnsRecordKind))
	}
	return &fileDNS{rec: rec, stateDir: cfg.StateDir}, nil
}

// resolvconfPrefix is the record name prefix Debian's resolvconf orders
// tunnel interfaces by, as wg-quick uses it.
func resolvconfPrefix() string {
	order, err := os.ReadFile("/etc/resolvconf/interface-order")
	if err == nil && bytes.Contains(order, []byte("tun.")) {
		return "tun."
	}
	return ""
}

func applyResolvConfFile(cfg DNSConfig, content []byte, log *slog.Logger) (DNS, error) {
	rec := dnsRecord{Interface: cfg.Interface, Wrote: content}
	fi, err := os.Lstat(resolvConf)
	switch {
	case errors.Is(err, os.ErrNotExist):
		rec.Missing = true
	case err != nil:
		return nil, fmt.Errorf("set DNS of %s: %w", cfg.Interface, err)
	case fi.Mode()&os.ModeSymlink != 0:
		if rec.Symlink, err = os.Readlink(resolvConf); err != nil {
			return nil, fmt.Errorf("set DNS of %s: %w", cfg.Interface, err)
		}
	default:
		if rec.Original, err = os.ReadFile(resolvConf); err != nil {
			return nil, fmt.Errorf("set DNS of %s: %w", cfg.Interface, err)
		}
		rec.Mode = fi.Mode().Perm()
	}
	if err := writeRecord(cfg.StateDir, cfg.Interface, dnsRecordKind, rec); err != nil {
		return nil, err
	}
	if rec.Symlink != "" || rec.Missing {
		err = atomicfile.Write(resolvConf, content, 0o644)
	} else {
		// Write in place: resolv.conf may be a bind mount (ip netns exec,
		// containers) that a rename cannot replace.
		err = os.WriteFile(resolvConf, content, rec.Mode)
	}
	if err != nil {
		err = fmt.Errorf("set DNS of %s in %s: %w", cfg.Interface, resolvConf, err)
		return nil, errors.Join(err, restoreDNS(rec, cfg.StateDir, log), removeRecord(cfg.StateDir, cfg.Interface, dnsRecordKind))
	}
	return &fileDNS{rec: rec, stateDir: cfg.StateDir, log: log}, nil
}

func (d *fileDNS) Close() error {
	// Another tunnel may have handed this one its record of the original
	// since (see handOver).
	if data, err := os.ReadFile(recordPath(d.stateDir, d.rec.Interface, dnsRecordKind)); err == nil {
		var rec dnsRecord
		if json.Unmarshal(data, &rec) == nil {
			d.rec = rec
		}
	}
	if err := restoreDNS(d.rec, d.stateDir, d.log); err != nil {
		return err
	}
	return removeRecord(d.stateDir, d.rec.Interface, dnsRecordKind)
}

func recoverDNS(data []byte, stateDir string, log *slog.Logger) error {
	var rec dnsRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return err
	}
	return restoreDNS(rec, stateDir, log)
}

func restoreDNS(rec dnsRecord, stateDir string, log *slog.Logger) error {
	if rec.Resolvconf == "" {
		return restoreResolvConf(rec, stateDir, log)
	}
	resolvconf, err := exec.LookPath("resolvconf")
	if err != nil {
		return fmt.Errorf("restore DNS: resolvconf is gone: %w", err)
	}
	if out, err := exec.Command(resolvconf, "-d", rec.Resolvconf, "-f").CombinedOutput(); err != nil {
		return fmt.Errorf("restore DNS with resolvconf: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// restoreResolvConf puts back resolv.conf as it was, unless someone else
// replaced wgtray's file in the meantime: then theirs is newer and stays.
// When that someone is another tunnel, it took our file for the original:
// it gets our record of the real one instead.
func restoreResolvConf(rec dnsRecord, stateDir string, log *slog.Logger) error {
	current, err := os.ReadFile(resolvConf)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("restore %s: %w", resolvConf, err)
	}
	if !bytes.Equal(current, rec.Wrote) {
		if handed, err := handOver(rec, stateDir); handed || err != nil {
			return err
		}
		if log != nil {
			log.Warn("resolv.conf was changed by someone else while the tunnel was up; leaving it as it is", "interface", rec.Interface)
		}
		return nil
	}
	switch {
	case rec.Missing:
		err = os.Remove(resolvConf)
	case rec.Symlink != "":
		tmp := filepath.Join(filepath.Dir(resolvConf), ".resolv.conf.wgtray")
		os.Remove(tmp)
		if err = os.Symlink(rec.Symlink, tmp); err == nil {
			err = os.Rename(tmp, resolvConf)
		}
	default:
		err = os.WriteFile(resolvConf, rec.Original, rec.Mode)
	}
	if err != nil {
		return fmt.Errorf("restore %s: %w", resolvConf, err)
	}
	return nil
}

// handOver gives rec's record of the original resolv.conf to the tunnel
// whose record took rec's file for the original, if there is one.
func handOver(rec dnsRecord, stateDir string) (bool, error) {
	entries, err := os.ReadDir(stateDir)
	if err != nil {
		return false, nil
	}
	suffix := "." + dnsRecordKind + ".json"
	for _, e := range entries {
		iface, ok := strings.CutSuffix(e.Name(), suffix)
		if !ok || iface == rec.Interface || strings.HasPrefix(iface, ".") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(stateDir, e.Name()))
		if err != nil {
			continue
		}
		var next dnsRecord
		if json.Unmarshal(data, &next) != nil || next.Resolvconf != "" || next.Missing || next.Symlink != "" || !bytes.Equal(next.Original, rec.Wrote) {
			continue
		}
		next.Missing, next.Symlink, next.Original, next.Mode = rec.Missing, rec.Symlink, rec.Original, rec.Mode
		if err := writeRecord(stateDir, next.Interface, dnsRecordKind, next); err != nil {
			return false, fmt.Errorf("hand the original resolv.conf over to %s: %w", next.Interface, err)
		}
		return true, nil
	}
	return false, nil
}
