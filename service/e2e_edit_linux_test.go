package service_test

import (
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/internal/testnet"
)

// TestEditsAndNamesEndToEnd is issue 15 from the command line against the
// real service and a real peer: a file with a descriptive name imports under
// a name made of it; an edit of the keepalive in $EDITOR reaches the running
// device without a new interface (same ifindex, `wg show` has it); an edit
// with a problem reopens the editor and saves nothing until it is fixed;
// allowed IPs with their routes and a peer added and removed change in place
// too; an address change reconnects and traffic flows again within 3 s; rename is
// refused while up and then moves the tunnel and its keys.
func TestEditsAndNamesEndToEnd(t *testing.T) {
	l := newLab(t)
	home := t.TempDir()
	run := func(env []string, stdin string, args ...string) (string, string, error) {
		t.Helper()
		cmd := exec.Command(l.bin, append([]string{"--key-store=file"}, args...)...)
		cmd.Env = append([]string{"HOME=" + home, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "WGTRAY_SOCKET=" + l.socket}, env...)
		cmd.Stdin = strings.NewReader(stdin)
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		return stdout.String(), stderr.String(), err
	}
	must := func(env []string, stdin string, args ...string) string {
		t.Helper()
		out, errOut, err := run(env, stdin, args...)
		if err != nil {
			t.Fatalf("wgtrayd %s: %v\n%s%s\nservice log:\n%s", strings.Join(args, " "), err, out, errOut, l.service.Output())
		}
		return out
	}
	editor := func(script string) []string {
		t.Helper()
		path := filepath.Join(t.TempDir(), "editor")
		if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
			t.Fatal(err)
		}
		return []string{"EDITOR=" + path}
	}
	ifindex := func(name string) string {
		t.Helper()
		return strings.TrimSpace(l.svcNS.Run(t, "cat", "/sys/class/net/"+name+"/ifindex"))
	}
	keepalive := func(name string) string {
		t.Helper()
		f := strings.Fields(l.svcNS.Run(t, "wg", "show", name, "persistent-keepalive"))
		if len(f) != 2 {
			t.Fatalf("wg show %s persistent-keepalive: %q", name, f)
		}
		return f[1]
	}

	// A descriptive file name, with a random part: interface names are
	// machine-wide.
	tag := testnet.UniqueName("")[:6]
	cfg := l.peerConfig(t, 40, "10.232.0.1/32", false)
	cfg.Peers[0].PersistentKeepalive = 25
	file := filepath.Join(home, fmt.Sprintf("VPN %s (Frankfurt, 2026).conf", strings.ToUpper(tag)))
	if err := os.WriteFile(file, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	out := must(nil, "", "import", file)
	name := "vpn-" + tag + "-fran"
	if !strings.Contains(out, " as "+name+";") {
		t.Fatalf("import of %s: %q, want it named %s", filepath.Base(file), out, name)
	}

	must(nil, "", "up", name)
	if !l.svcNS.Pings("10.232.0.1") {
		t.Fatalf("no ping through the tunnel\n%s", l.service.Output())
	}
	index := ifindex(name)
	if got := keepalive(name); got != "25" {
		t.Fatalf("keepalive before the edit: %s", got)
	}

	// A peer setting in $EDITOR: in force at once, same interface.
	out = must(editor(`sed -i 's/^PersistentKeepalive = 25$/PersistentKeepalive = 20/' "$1"`), "", "edit", name)
	if !strings.Contains(out, "without a reconnect") {
		t.Errorf("edit of the keepalive says %q, want that it applied without a reconnect", out)
	}
	if got := keepalive(name); got != "20" {
		t.Errorf("wg show has keepalive %s after the edit, want 20", got)
	}
	if got := ifindex(name); got != index {
		t.Errorf("the interface was made again for a peer setting: ifindex %s, was %s", got, index)
	}
	if !l.svcNS.Pings("10.232.0.1") {
		t.Errorf("no ping after the keepalive edit")
	}

	// A problem: the editor opens again with it; left as it is, nothing
	// is saved.
	_, errOut, err := run(editor(`grep -q 'NOT SAVED' "$1" && exit 0
sed -i 's/^PersistentKeepalive = 20$/PersistentKeepalive = soon/' "$1"`), "", "edit", name)
	if err == nil || !regexp.MustCompile(`:\d+: PersistentKeepalive`).MatchString(errOut) {
		t.Errorf("an edit with a problem left in: %v, stderr %q; want a failure naming the line and key", err, errOut)
	}
	if got := keepalive(name); got != "20" {
		t.Errorf("a refused edit changed the keepalive to %s", got)
	}
	// Fixed on the second opening: saved.
	out = must(editor(`if grep -q 'NOT SAVED' "$1"; then sed -i 's/^PersistentKeepalive = soon$/PersistentKeepalive = 21/' "$1"; else sed -i 's/^PersistentKeepalive = 20$/PersistentKeepalive = soon/' "$1"; fi`), "", "edit", name)
	if got := keepalive(name); got != "21" || !strings.Contains(out, "saved") {
		t.Errorf("an edit fixed in the reopened editor: %q, keepalive %s; want 21", out, got)
	}

	// A preshared key, set on both sides: in place.
	cfg.Peers[0].PersistentKeepalive = 21
	psk, err := importer.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	pskFile := filepath.Join(t.TempDir(), "psk")
	if err := os.WriteFile(pskFile, []byte(psk.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l.peerNS.Run(t, "wg", "set", l.peer.Interface, "peer", cfg.Interface.PrivateKey.Public().String(), "preshared-key", pskFile)
	cfg.Peers[0].PresharedKey = psk
	if out := must(nil, cfg.String(), "edit", name, "-"); !strings.Contains(out, "without a reconnect") {
		t.Errorf("edit of the preshared key: %q, want no reconnect", out)
	}
	if keys := l.svcNS.Run(t, "wg", "show", name, "preshared-keys"); !strings.Contains(keys, psk.String()) {
		t.Errorf("wg show %s preshared-keys does not show the new key", name)
	}
	if got := ifindex(name); got != index {
		t.Errorf("the interface was made again for a preshared key (ifindex %s, was %s)", got, index)
	}

	// Allowed IPs with their routes, a peer added, then removed: in place.
	other, err := importer.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	first := cfg.Peers[0].AllowedIPs
	cfg.Peers[0].AllowedIPs = append(slices.Clone(first), netip.MustParsePrefix("10.232.5.0/24"))
	cfg.Peers = append(cfg.Peers, importer.Peer{PublicKey: other.Public(), AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.232.6.0/24")}})
	for _, step := range []struct {
		what   string
		peers  int
		routed bool
	}{{"a peer and routes added", 2, true}, {"the peer and the routes removed", 1, false}} {
		out = must(nil, cfg.String(), "edit", name, "-")
		if !strings.Contains(out, "without a reconnect") {
			t.Errorf("%s: %q, want no reconnect", step.what, out)
		}
		if got := ifindex(name); got != index {
			t.Errorf("%s: the interface was made again (ifindex %s, was %s)", step.what, got, index)
		}
		if peers := strings.Fields(l.svcNS.Run(t, "wg", "show", name, "peers")); len(peers) != step.peers {
			t.Errorf("%s: wg show has peers %v, want %d", step.what, peers, step.peers)
		}
		routes := l.svcNS.Run(t, "ip", "route", "show", "dev", name)
		for _, r := range []string{"10.232.5.0/24", "10.232.6.0/24"} {
			if strings.Contains(routes, r) != step.routed {
				t.Errorf("%s: routes through %s:\n%s\nwant %s there: %t", step.what, name, routes, r, step.routed)
			}
		}
		if !l.svcNS.Pings("10.232.0.1") {
			t.Errorf("%s: no ping through the tunnel", step.what)
		}
		cfg.Peers = cfg.Peers[:1]
		cfg.Peers[0].AllowedIPs = first
	}

	// An interface setting: a quick reconnect; the new address is in force
	// and traffic flows within 3 s.
	newAddr := "10.232.0.51/32"
	l.peer.AddPeer(t, cfg.Interface.PrivateKey.Public(), []string{cfg.Interface.Addresses[0].String(), newAddr})
	cfg.Interface.Addresses = []netip.Prefix{netip.MustParsePrefix(newAddr)}
	start := time.Now()
	out = must(nil, cfg.String(), "edit", name, "-")
	if !strings.Contains(out, "reconnected") {
		t.Errorf("edit of the address says %q, want that the tunnel reconnected", out)
	}
	for !l.svcNS.Pings("10.232.0.1") {
		if time.Since(start) > 3*time.Second {
			t.Fatalf("no traffic 3 s after the address edit\n%s", l.service.Output())
		}
	}
	took := time.Since(start)
	t.Logf("address edit to the first answered ping: %s", took.Round(time.Millisecond))
	if took > 3*time.Second {
		t.Errorf("traffic flowed again only after %s, want within 3 s", took)
	}
	if addrs := l.svcNS.Run(t, "ip", "-o", "addr", "show", "dev", name); !strings.Contains(addrs, "10.232.0.51") || strings.Contains(addrs, "10.232.0.50") {
		t.Errorf("addresses after the edit: %s", addrs)
	}

	// Rename: refused while up, then the tunnel and its keys move.
	if _, errOut, err := run(nil, "", "rename", name, "office"); err == nil || !strings.Contains(errOut, "bring it down first") {
		t.Errorf("rename while up: %v, %q; want a refusal that says to bring it down", err, errOut)
	}
	must(nil, "", "down", name)
	newName := testnet.UniqueName("ren")
	must(nil, "", "rename", name, newName)
	if list := must(nil, "", "list"); strings.Contains(list, name+" ") || !strings.Contains(list, newName) {
		t.Errorf("list after rename:\n%s", list)
	}
	must(nil, "", "up", newName)
	if !l.svcNS.Pings("10.232.0.1") {
		t.Errorf("no ping through the renamed tunnel")
	}
	if got := keepalive(newName); got != "21" {
		t.Errorf("wg show %s: keepalive %s, want 21", newName, got)
	}
	must(nil, "", "down", newName)
	must(nil, "", "remove", newName)
}
