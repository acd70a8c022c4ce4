package service_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/internal/testnet"
)

// A tunnel set to start at boot comes up with a handshake when the service
// starts with no session bus, no keyring and no client; its keys are in no
// file of the state directory and not in the log, in base64 or hex; and
// removing the tunnel removes the sealed copy.
func TestBootTunnelComesUpWithoutSessionKeyringOrClient(t *testing.T) {
	if _, err := exec.LookPath("systemd-creds"); err != nil {
		t.Skip("systemd-creds is not installed: no machine store to seal keys with")
	}
	l := newLab(t)
	home := t.TempDir()
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(l.bin, append([]string{"--key-store=file"}, args...)...)
		cmd.Env = []string{"HOME=" + home, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "WGTRAY_SOCKET=" + l.socket}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("wgtrayd %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	name := testnet.UniqueName("boot")
	cfg := l.peerConfig(t, 1, "10.232.0.1/32", true)
	conf := filepath.Join(home, name+".conf")
	if err := os.WriteFile(conf, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cli("import", conf)
	if out := cli("set", name, "start=boot"); !strings.Contains(out, "given to this machine") {
		t.Errorf("set start=boot does not say what it means: %q", out)
	}
	if out := cli("list"); !strings.Contains(out, "boot") {
		t.Errorf("list does not show the start mode:\n%s", out)
	}

	if err := l.service.Stop(10 * time.Second); err != nil {
		t.Fatal(err)
	}
	l.earlier += l.service.Output()
	// No session bus (so no keyring), no home; nobody calls the API until
	// the peer has seen the handshake.
	started := time.Now()
	l.service = l.svcNS.Start(t, []string{
		"WGTRAY_STATE_DIR=" + l.state, "WGTRAY_SOCKET=" + l.socket,
		"DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/no-session-bus", "HOME=/nonexistent", "XDG_RUNTIME_DIR=",
	}, l.bin, "run")
	pub := cfg.Interface.PrivateKey.Public().String()
	for deadline := time.Now().Add(20 * time.Second); ; {
		out := l.peerNS.Run(t, "wg", "show", l.peer.Interface, "latest-handshakes")
		if fields := strings.Fields(lineOf(out, pub)); len(fields) == 2 && fields[1] != "0" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no handshake 20 s after the service started:\n%s\n%s", out, l.service.Output())
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("handshake %v after the service started", time.Since(started).Round(time.Millisecond))
	if out := cli("status", name); !strings.Contains(out, "state: up") || !strings.Contains(out, "start: boot") {
		t.Errorf("status:\n%s", out)
	}

	secrets := [][]byte{cfg.Interface.PrivateKey[:], cfg.Peers[0].PresharedKey[:]}
	forms := func(k []byte) []string {
		return []string{string(k), base64.StdEncoding.EncodeToString(k), hex.EncodeToString(k), strings.ToUpper(hex.EncodeToString(k))}
	}
	err := filepath.WalkDir(l.state, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, k := range secrets {
			for _, f := range forms(k) {
				if bytes.Contains(b, []byte(f)) {
					t.Errorf("%s holds a key", path)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	entries, err := l.root.Logs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ring strings.Builder
	for _, e := range entries {
		ring.WriteString(e.Message)
		for k, v := range e.Attrs {
			ring.WriteString(" " + k + "=" + v)
		}
		ring.WriteByte('\n')
	}
	logs := l.earlier + l.service.Output() + ring.String()
	if !strings.Contains(logs, "bringing up at boot") {
		t.Errorf("the log does not say the tunnel came up at boot:\n%s", logs)
	}
	for _, k := range secrets {
		for _, f := range forms(k) {
			if strings.Contains(logs, f) {
				t.Errorf("the log holds a key")
			}
		}
	}

	sealed := filepath.Join(l.state, "sealed", name)
	if _, err := os.Stat(sealed); err != nil {
		t.Fatalf("no sealed copy at %s: %v", sealed, err)
	}
	cli("remove", name)
	if _, err := os.Stat(sealed); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the sealed copy is still there after remove: %v", err)
	}
}

// lineOf is the line of out that starts with prefix, or "".
func lineOf(out, prefix string) string {
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, prefix) {
			return line
		}
	}
	return ""
}
