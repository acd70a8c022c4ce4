package netconf

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
)

const scutilPath = "/usr/sbin/scutil"

// darwinDNS is a tunnel's service in the system configuration store. The
// store's entries outlive the process, so they are recorded first and
// RecoverNetwork removes them after a crash.
type darwinDNS struct {
	name     string
	stateDir string
}

// dnsRecord names the interface whose service entries are to be removed.
type dnsRecord struct {
	Interface string
}

// ApplyDNS puts the tunnel's servers and search domains into the system
// configuration store (macdns.go says how); Close removes them, and the
// system goes back to the DNS of its other services by itself.
func ApplyDNS(cfg DNSConfig, _ *slog.Logger) (DNS, error) {
	iface, err := net.InterfaceByName(cfg.Interface)
	if err != nil {
		return nil, fmt.Errorf("set DNS of %s: %w", cfg.Interface, err)
	}
	var addrs []netip.Addr
	if have, err := iface.Addrs(); err == nil {
		for _, a := range have {
			if ipn, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(ipn.IP); ok {
					addrs = append(addrs, ip.Unmap())
				}
			}
		}
	}
	script, err := macDNSScript(cfg, addrs)
	if err != nil {
		return nil, err
	}
	if err := writeRecord(cfg.StateDir, cfg.Interface, dnsRecordKind, dnsRecord{Interface: cfg.Interface}); err != nil {
		return nil, err
	}
	d := &darwinDNS{name: cfg.Interface, stateDir: cfg.StateDir}
	if err := runInput(macCommand{Path: scutilPath}, script); err != nil {
		return nil, errors.Join(fmt.Errorf("set DNS of %s in the system configuration: %w", cfg.Interface, err), d.Close())
	}
	return d, nil
}

func (d *darwinDNS) Close() error {
	if err := removeDNSService(d.name); err != nil {
		return err
	}
	return removeRecord(d.stateDir, d.name, dnsRecordKind)
}

func recoverDNS(data []byte) error {
	var rec dnsRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return err
	}
	if !scutilWord(rec.Interface) {
		return fmt.Errorf("bad interface name %q in the record", rec.Interface)
	}
	return removeDNSService(rec.Interface)
}

func removeDNSService(ifname string) error {
	if err := runInput(macCommand{Path: scutilPath}, macDNSRemoveScript(ifname)); err != nil {
		return fmt.Errorf("remove the DNS of %s from the system configuration: %w", ifname, err)
	}
	return nil
}
