package service

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/tunnel"
)

// sealedCopy reports whether the harness's machine store holds name's keys.
func sealedCopy(t *testing.T, h *harness, name string) bool {
	t.Helper()
	_, err := os.Stat(filepath.Join(h.dir, "state", "sealed", name))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	return err == nil
}

// sameSealedFile reports whether the sealed copies of a and b are one file,
// as on a file system that ignores case when a and b differ only in case.
func sameSealedFile(t *testing.T, h *harness, a, b string) bool {
	t.Helper()
	dir := filepath.Join(h.dir, "state", "sealed")
	fa, errA := os.Stat(filepath.Join(dir, a))
	fb, errB := os.Stat(filepath.Join(dir, b))
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}

func secretsOf(cfg *importer.Config) *importer.Secrets {
	_, s := cfg.Redact()
	return &s
}

// bootTunnel creates tunnel name for owner and sets it to start at boot.
func bootTunnel(t *testing.T, h *harness, owner ipc.Peer, name string) *importer.Config {
	t.Helper()
	cfg := newConfig(t, "10.9.0.0/24")
	if _, err := h.mgr.create(owner, api.CreateRequest{Name: name, Config: cfg.String(), PublicKey: cfg.Interface.PrivateKey.Public().String()}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.mgr.setSettings(owner, name, api.SettingsRequest{Start: api.StartBoot}, secretsOf(cfg)); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestOnlyTheOwnerOrAnAdminMayChooseWhenATunnelStarts(t *testing.T) {
	h := startHarness(t, t.TempDir())
	if h.mgr.sealed == nil {
		t.Skipf("no machine store here: %v", h.mgr.sealErr)
	}
	alice := ipc.Peer{UID: "1000", Operator: true}
	bob := ipc.Peer{UID: "1001", Operator: true}
	root := ipc.Peer{UID: "0", Admin: true}
	cfg := newConfig(t, "10.9.0.0/24")
	if _, err := h.mgr.create(alice, api.CreateRequest{Name: "office", Config: cfg.String(), PublicKey: cfg.Interface.PrivateKey.Public().String()}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		who     string
		caller  ipc.Peer
		mode    api.StartMode
		keys    bool
		code    string // "" for allowed
		sealed  bool   // a sealed copy after the call
		running bool   // the tunnel is up during the call
	}{
		{"another operator, boot", bob, api.StartBoot, true, api.CodeForbidden, false, false},
		{"another operator, login", bob, api.StartLogin, false, api.CodeForbidden, false, false},
		{"the owner, login", alice, api.StartLogin, false, "", false, false},
		{"the owner, boot without keys while down", alice, api.StartBoot, false, api.CodeBadRequest, false, false},
		{"the owner, boot with another tunnel's keys", alice, api.StartBoot, false, api.CodeKeyMismatch, false, false},
		{"the owner, boot", alice, api.StartBoot, true, "", true, false},
		{"another operator, manual", bob, api.StartManual, false, api.CodeForbidden, true, false},
		{"an admin, manual", root, api.StartManual, false, "", false, false},
		{"an admin, boot with the running tunnel's keys", root, api.StartBoot, false, "", true, true},
		{"the owner, manual", alice, api.StartManual, false, "", false, false},
	} {
		t.Run(tc.who, func(t *testing.T) {
			if tc.running {
				if _, err := h.mgr.up(alice, "office", *secretsOf(cfg)); err != nil {
					t.Fatal(err)
				}
				defer h.mgr.down(alice, "office")
			}
			var keys *importer.Secrets
			switch {
			case tc.keys:
				keys = secretsOf(cfg)
			case tc.code == api.CodeKeyMismatch:
				keys = secretsOf(newConfig(t, "10.9.0.0/24"))
			}
			got, err := h.mgr.setSettings(tc.caller, "office", api.SettingsRequest{Start: tc.mode}, keys)
			var ae *apiError
			switch {
			case tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.code != "" && (!errors.As(err, &ae) || ae.code != tc.code):
				t.Fatalf("got %v, want code %s", err, tc.code)
			case tc.code == "" && (got.Start != tc.mode || (tc.mode == api.StartBoot) != (got.SealedBy != "")):
				t.Errorf("answer says start %q sealed by %q, want %q", got.Start, got.SealedBy, tc.mode)
			}
			if s := sealedCopy(t, h, "office"); s != tc.sealed {
				t.Errorf("sealed copy there: %t, want %t", s, tc.sealed)
			}
		})
	}
}

func TestBootTunnelComesUpWithItsSealedKeysAndRemovingItDeletesThem(t *testing.T) {
	dir := t.TempDir()
	h := startHarness(t, dir)
	if h.mgr.sealed == nil {
		t.Skipf("no machine store here: %v", h.mgr.sealErr)
	}
	owner := ipc.Peer{UID: "1000", Operator: true}
	cfg := bootTunnel(t, h, owner, "office")
	h.stop()

	h = newHarness(t, dir)
	t.Cleanup(h.mgr.shutdown)
	h.mgr.startAtBoot()
	got, err := h.mgr.get(owner, "office")
	if err != nil || got.State != api.StateUp || got.Start != api.StartBoot {
		t.Fatalf("after a restart: %+v, %v; want up, start boot", got, err)
	}
	h.engine.mu.Lock()
	started := h.engine.started["office"].String()
	h.engine.mu.Unlock()
	if started != cfg.String() {
		t.Errorf("started with\n%s\nwant\n%s", started, cfg)
	}
	if err := h.mgr.remove(owner, "office"); err != nil {
		t.Fatal(err)
	}
	if sealedCopy(t, h, "office") {
		t.Error("the sealed keys are still there after the tunnel was removed")
	}
}

func TestRenamingABootTunnelMovesItsSealedKeysAndASweepRemovesStrayOnes(t *testing.T) {
	h := startHarness(t, t.TempDir())
	if h.mgr.sealed == nil {
		t.Skipf("no machine store here: %v", h.mgr.sealErr)
	}
	owner := ipc.Peer{UID: "1000", Operator: true}
	cfg := bootTunnel(t, h, owner, "office")
	for _, step := range []struct{ from, to string }{{"office", "work"}, {"work", "Work"}} {
		if _, err := h.mgr.rename(owner, step.from, step.to); err != nil {
			t.Fatal(err)
		}
		// On a file system that ignores case, Work's copy is work's file.
		if sealedCopy(t, h, step.from) && !sameSealedFile(t, h, step.from, step.to) {
			t.Errorf("after renaming %s to %s the old sealed copy is still there", step.from, step.to)
		}
		s, err := h.mgr.openSealed(step.to)
		if err != nil || s.PrivateKey != cfg.Interface.PrivateKey {
			t.Fatalf("the sealed keys under %s: %v", step.to, err)
		}
	}
	if err := h.mgr.sealed.Seal("ghost", []byte("left by a crash")); err != nil {
		t.Fatal(err)
	}
	h.mgr.sweepSealed()
	if sealedCopy(t, h, "ghost") || !sealedCopy(t, h, "Work") {
		t.Errorf("after the sweep: ghost there %t, Work there %t; want only Work", sealedCopy(t, h, "ghost"), sealedCopy(t, h, "Work"))
	}
}

func TestEditingABootTunnelSealsTheNewKeys(t *testing.T) {
	h := startHarness(t, t.TempDir())
	if h.mgr.sealed == nil {
		t.Skipf("no machine store here: %v", h.mgr.sealErr)
	}
	owner := ipc.Peer{UID: "1000", Operator: true}
	bootTunnel(t, h, owner, "office")
	for _, withKeys := range []bool{true, false} {
		edited := newConfig(t, "10.9.0.0/24")
		var keys *importer.Secrets
		if withKeys {
			keys = secretsOf(edited)
		}
		res, err := h.mgr.update(owner, "office", api.UpdateRequest{Config: edited.String(), PublicKey: edited.Interface.PrivateKey.Public().String()}, keys)
		if err != nil {
			t.Fatal(err)
		}
		s, err := h.mgr.openSealed("office")
		switch {
		case withKeys && (err != nil || s.PrivateKey != edited.Interface.PrivateKey || res.SealedBy == ""):
			t.Errorf("an edit with new keys: sealed %v, sealed by %q; want the new keys sealed", err, res.SealedBy)
		case !withKeys && (err == nil || res.SealedBy != ""):
			t.Errorf("an edit with another key pair and no keys left stale sealed keys (sealed by %q)", res.SealedBy)
		}
	}
}

func TestRosenpassAndStartAtBootAreRefusedTogetherWithAReason(t *testing.T) {
	h := startHarness(t, t.TempDir())
	alice := ipc.Peer{UID: "1000", Operator: true}
	pq := func() []byte { return make([]byte, tunnel.RosenpassPublicKeySize) }
	const want = "cannot both start at boot and use Rosenpass"

	cfg := newConfig(t, "10.9.0.0/24")
	if _, err := h.mgr.create(alice, api.CreateRequest{Name: "pq", Config: cfg.String(), PublicKey: cfg.Interface.PrivateKey.Public().String()}); err != nil {
		t.Fatal(err)
	}
	peer := cfg.Peers[0].PublicKey.String()
	if _, err := h.mgr.setRosenpass(alice, "pq", api.RosenpassRequest{PublicKey: pq(), Peer: peer, PeerPublicKey: pq()}); err != nil {
		t.Fatal(err)
	}
	_, err := h.mgr.setSettings(alice, "pq", api.SettingsRequest{Start: api.StartBoot}, secretsOf(cfg))
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("start=boot for a tunnel with Rosenpass on: err = %v, want %q", err, want)
	}
	if sealedCopy(t, h, "pq") {
		t.Error("the refused start=boot left sealed keys behind")
	}

	if h.mgr.sealed == nil {
		t.Skipf("no machine store here to test the other order: %v", h.mgr.sealErr)
	}
	boot := bootTunnel(t, h, alice, "atboot")
	_, err = h.mgr.setRosenpass(alice, "atboot", api.RosenpassRequest{PublicKey: pq(), Peer: boot.Peers[0].PublicKey.String(), PeerPublicKey: pq()})
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Rosenpass on for a tunnel that starts at boot: err = %v, want %q", err, want)
	}
}
