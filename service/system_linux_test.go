package service_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/wgtray/wgtray/internal/testnet"
)

// The script runs in private mount and network namespaces, with empty
// tmpfs over every directory the OS service touches, so nothing reaches
// the machine's real init scripts, logs or network.
const installScript = `set -e
for d in /etc/init.d /etc/rc0.d /etc/rc1.d /etc/rc2.d /etc/rc3.d /etc/rc4.d /etc/rc5.d /etc/rc6.d /etc/rcS.d /etc/systemd/system /var/log /var/lib /run; do
	if [ -d "$d" ]; then mount -t tmpfs tmpfs "$d"; fi
done
ip link set lo up
if [ -n "$SYSTEMD" ]; then mkdir -p /run/systemd/system; fi
snapshot() { find /etc/init.d /etc/rc?.d /etc/systemd/system /var/log /var/lib /run 2>/dev/null | sort; }
before=$(snapshot)
"$BIN" install
if [ -n "$SYSTEMD" ]; then
	grep -qx "ExecStart=$BIN \"run\"" /etc/systemd/system/wgtrayd.service || { cat /etc/systemd/system/wgtrayd.service; exit 1; }
	grep -qx "Group=wgtray" /etc/systemd/system/wgtrayd.service
	grep -qx "CapabilityBoundingSet=CAP_NET_ADMIN" /etc/systemd/system/wgtrayd.service
	grep -qx "ExecStart=$BIN killswitch --boot" /etc/systemd/system/wgtray-killswitch.service || { cat /etc/systemd/system/wgtray-killswitch.service; exit 1; }
else
	"$BIN" start
	i=0
	until "$BIN" list >/dev/null 2>&1; do
		i=$((i+1)); if [ $i -gt 100 ]; then echo "the started service does not answer"; cat /var/log/wgtrayd.* || true; exit 1; fi
		sleep 0.1
	done
	"$BIN" killswitch always >/dev/null
	"$BIN" stop
fi
"$BIN" uninstall --purge
if nft list table inet wgtray >/dev/null 2>&1; then echo "uninstall left the kill switch's rules in force"; exit 1; fi
after=$(snapshot)
if [ "$before" != "$after" ]; then
	echo "left behind:"; echo "$after" | grep -vxF "$before" || true
	exit 1
fi
echo clean
`

// TestInstallStartStopUninstallLeavesNothing installs wgtrayd with the OS
// service manager of this machine (SysV here), starts it, checks that it
// answers, turns the kill switch on, stops and uninstalls it, and then finds
// no file left (init script, rc links, logs, socket, state) and no
// kill-switch rules.
func TestInstallStartStopUninstallLeavesNothing(t *testing.T) {
	runInstallScript(t, nil)
}

// TestInstallWritesTheSystemdUnit installs where systemd seems to run, with
// a stand-in systemctl (no systemd runs here), and checks the packages'
// hardened unit that kardianos renders for this executable and the early
// kill-switch unit beside it, then that uninstall removes both.
func TestInstallWritesTheSystemdUnit(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "systemctl"), []byte("#!/bin/sh\nexit 0\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	runInstallScript(t, []string{"SYSTEMD=1", "PATH=" + dir + ":/usr/sbin:/usr/bin:/sbin:/bin"})
}

func runInstallScript(t *testing.T, env []string) {
	t.Helper()
	testnet.RequireRoot(t)
	bin := wgtrayd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--mount", "--net", "--propagation", "private", "sh", "-c", installScript)
	cmd.Env = append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "BIN=" + bin}, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
