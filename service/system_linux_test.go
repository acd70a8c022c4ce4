package service_test

import (
	"context"
	"os/exec"
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
snapshot() { find /etc/init.d /etc/rc?.d /etc/systemd/system /var/log /var/lib /run 2>/dev/null | sort; }
before=$(snapshot)
"$BIN" install
"$BIN" start
i=0
until "$BIN" list >/dev/null 2>&1; do
	i=$((i+1)); if [ $i -gt 100 ]; then echo "the started service does not answer"; cat /var/log/wgtrayd.* || true; exit 1; fi
	sleep 0.1
done
"$BIN" stop
"$BIN" uninstall --purge
after=$(snapshot)
if [ "$before" != "$after" ]; then
	echo "left behind:"; echo "$after" | grep -vxF "$before" || true
	exit 1
fi
echo clean
`

// TestInstallStartStopUninstallLeavesNothing installs wgtrayd with the OS
// service manager of this machine (SysV here, systemd on most desktops),
// starts it, checks that it answers, stops and uninstalls it, and then
// finds no file left: init script, rc links, logs, socket, state.
func TestInstallStartStopUninstallLeavesNothing(t *testing.T) {
	testnet.RequireRoot(t)
	bin := wgtrayd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", "--mount", "--net", "--propagation", "private", "sh", "-c", installScript)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "BIN=" + bin}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
}
