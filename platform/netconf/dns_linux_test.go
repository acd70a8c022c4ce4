package netconf

import (
	"log/slog"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/wgtray/wgtray/internal/testnet"
)

// fakeResolved answers systemd-resolved's per-link D-Bus methods and
// records what it was told.
type fakeResolved struct {
	mu           sync.Mutex
	index        int32
	servers      []string
	domains      []string
	defaultRoute bool
	reverted     bool
}

type resolvedAddress struct {
	Family  int32
	Address []byte
}

type resolvedDomain struct {
	Name        string
	RoutingOnly bool
}

func (f *fakeResolved) SetLinkDNS(index int32, addrs []resolvedAddress) *dbus.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.index = index
	for _, a := range addrs {
		ip, _ := netip.AddrFromSlice(a.Address)
		f.servers = append(f.servers, ip.String())
	}
	return nil
}

func (f *fakeResolved) SetLinkDomains(index int32, domains []resolvedDomain) *dbus.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, d := range domains {
		name := d.Name
		if d.RoutingOnly {
			name = "~" + name
		}
		f.domains = append(f.domains, name)
	}
	return nil
}

func (f *fakeResolved) SetLinkDefaultRoute(index int32, on bool) *dbus.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.defaultRoute = on
	return nil
}

func (f *fakeResolved) RevertLink(index int32) *dbus.Error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.reverted = index == f.index
	return nil
}

func TestDNSGoesToSystemdResolvedPerLinkWhenItRuns(t *testing.T) {
	const resolv = "nameserver 192.0.2.1\n"
	if testnet.Role() == "resolved" {
		addr := testnet.StartBus(t)
		conn, err := dbus.Connect(addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fake := &fakeResolved{}
		if err := conn.Export(fake, "/org/freedesktop/resolve1", "org.freedesktop.resolve1.Manager"); err != nil {
			t.Fatal(err)
		}
		if reply, err := conn.RequestName("org.freedesktop.resolve1", dbus.NameFlagDoNotQueue); err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
			t.Fatalf("own org.freedesktop.resolve1: %v %v", reply, err)
		}
		t.Setenv("DBUS_SYSTEM_BUS_ADDRESS", addr)

		lo, err := net.InterfaceByName("lo")
		if err != nil {
			t.Fatal(err)
		}
		d, err := ApplyDNS(DNSConfig{
			Interface:    "lo",
			Servers:      []netip.Addr{netip.MustParseAddr("10.0.0.53"), netip.MustParseAddr("fd00::53")},
			Search:       []string{"corp.example"},
			DefaultRoute: true,
			StateDir:     t.TempDir(),
		}, nil)
		if err != nil {
			t.Fatal(err)
		}
		fake.mu.Lock()
		if fake.index != int32(lo.Index) || !slices.Equal(fake.servers, []string{"10.0.0.53", "fd00::53"}) ||
			!slices.Equal(fake.domains, []string{"corp.example", "~."}) || !fake.defaultRoute {
			t.Errorf("resolved was told link %d, servers %v, domains %v, default route %v; want link %d, both servers, corp.example and ~., true",
				fake.index, fake.servers, fake.domains, fake.defaultRoute, lo.Index)
		}
		fake.mu.Unlock()
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		fake.mu.Lock()
		if !fake.reverted {
			t.Error("Close did not revert the link in resolved")
		}
		fake.mu.Unlock()
		return
	}
	runChild(t, "resolved", resolv)
}

func TestDNSGoesThroughResolvconfWhenInstalledAndIsRecovered(t *testing.T) {
	const resolv = "nameserver 192.0.2.1\n"
	if testnet.Role() == "resolvconf" {
		bin := t.TempDir()
		log := filepath.Join(t.TempDir(), "calls")
		script := "#!/bin/sh\necho \"$*\" >>" + log + "\ncat >>" + log + "\n"
		if err := os.WriteFile(filepath.Join(bin, "resolvconf"), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
		state := t.TempDir()
		cfg := DNSConfig{Interface: "wgtest0", Servers: []netip.Addr{netip.MustParseAddr("10.0.0.53")}, Search: []string{"corp.example"}, StateDir: state}

		d, err := ApplyDNS(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		// A crash: applied, never closed, recovered by the next run.
		if _, err := ApplyDNS(cfg, nil); err != nil {
			t.Fatal(err)
		}
		if err := RecoverNetwork(state, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}

		calls, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		once := "-a wgtest0 -m 0 -x\n" + string(resolvConfText(cfg)) + "-d wgtest0 -f\n"
		if string(calls) != once+once {
			t.Errorf("resolvconf was called as\n%s\nwant twice\n%s", calls, once)
		}
		if entries, _ := os.ReadDir(state); len(entries) != 0 {
			t.Errorf("records are left in the state directory: %v", entries)
		}
		return
	}
	runChild(t, "resolvconf", resolv)
}

// runChild runs the calling test's child role to its end in a namespace
// whose resolv.conf is resolv, and checks that the file is unchanged: the
// backends under test must not write it.
func runChild(t *testing.T, role, resolv string) {
	ns := testnet.NewNamespace(t)
	path := ns.WriteEtc(t, "resolv.conf", resolv)
	ns.StartTest(t, role, nil).Stop(t)
	if got, _ := os.ReadFile(path); string(got) != resolv {
		t.Errorf("resolv.conf was changed: %q", got)
	}
}

// TestResolvConfOfTwoTunnelsIsRestoredInEitherOrder: with two tunnels'
// DNS in resolv.conf, the file ends as it was whichever goes down first,
// and after a crash with both up.
func TestResolvConfOfTwoTunnelsIsRestoredInEitherOrder(t *testing.T) {
	const resolv = "nameserver 192.0.2.1\n"
	if testnet.Role() == "two-tunnels" {
		state := t.TempDir()
		cfgA := DNSConfig{Interface: "wgta", Servers: []netip.Addr{netip.MustParseAddr("10.0.0.1")}, StateDir: state}
		cfgB := DNSConfig{Interface: "wgtb", Servers: []netip.Addr{netip.MustParseAddr("10.0.0.2")}, StateDir: state}
		expect := func(step, want string) {
			t.Helper()
			if got, _ := os.ReadFile(resolvConf); string(got) != want {
				t.Errorf("%s: resolv.conf is %q, want %q", step, got, want)
			}
		}
		both := func() (DNS, DNS) {
			t.Helper()
			a, err := ApplyDNS(cfgA, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := ApplyDNS(cfgB, nil)
			if err != nil {
				t.Fatal(err)
			}
			expect("both up", string(resolvConfText(cfgB)))
			return a, b
		}
		a, b := both()
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		expect("the first down", string(resolvConfText(cfgB)))
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		expect("the first down, then the second", resolv)

		a, b = both()
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		expect("the second down", string(resolvConfText(cfgA)))
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		expect("the second down, then the first", resolv)

		both()
		if err := RecoverNetwork(state, slog.New(slog.DiscardHandler)); err != nil {
			t.Fatal(err)
		}
		expect("both recovered after a crash", resolv)
		if entries, _ := os.ReadDir(state); len(entries) != 0 {
			t.Errorf("records are left in the state directory: %v", entries)
		}
		return
	}
	ns := testnet.NewNamespace(t)
	path := ns.WriteEtc(t, "resolv.conf", resolv)
	ns.StartTest(t, "two-tunnels", nil).Stop(t)
	if got, _ := os.ReadFile(path); string(got) != resolv {
		t.Errorf("resolv.conf is %q after the test, want %q", got, resolv)
	}
}
