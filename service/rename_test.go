package service

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

func TestImportDerivedNumbersANameThatIsTaken(t *testing.T) {
	h := startHarness(t, t.TempDir())
	c := testClient(t, h)
	ctx := ctxFor(t)
	for _, want := range []string{"my-office-vpn-f", "my-office-vpn-2", "my-office-vpn-3"} {
		tun, err := c.ImportDerived(ctx, "my-office-vpn-f", newConfig(t, "10.9.0.0/24"))
		if err != nil || tun.Name != want {
			t.Fatalf("ImportDerived = %q, %v; want %s", tun.Name, err, want)
		}
		if _, err := c.Export(ctx, want); err != nil {
			t.Errorf("the keys of %s are not under its name: %v", want, err)
		}
	}
	if _, err := c.Import(ctx, "my-office-vpn-f", newConfig(t, "10.9.0.0/24")); !client.IsCode(err, api.CodeExists) {
		t.Errorf("Import of a taken name: %v, want exists", err)
	}
}

func TestRenameMovesTheTunnelAndItsKeysOnlyWhileDown(t *testing.T) {
	h, c, ctx := startWithTunnel(t, "home")
	want, err := c.Export(ctx, "home")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Import(ctx, "work", newConfig(t, "10.8.0.0/24")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Up(ctx, "home"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Rename(ctx, "home", "house"); !client.IsCode(err, api.CodeConflict) {
		t.Fatalf("rename while up: %v, want a conflict", err)
	}
	if _, err := c.Export(ctx, "home"); err != nil {
		t.Errorf("a refused rename touched the keys: %v", err)
	}
	if _, err := c.Down(ctx, "home"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Rename(ctx, "home", "WORK"); !client.IsCode(err, api.CodeExists) {
		t.Errorf("rename to another tunnel's name: %v, want exists", err)
	}
	if _, err := c.Rename(ctx, "home", "my house"); err == nil {
		t.Error("rename to an invalid name succeeded")
	}
	tun, err := c.Rename(ctx, "home", "house")
	if err != nil || tun.Name != "house" {
		t.Fatalf("rename: %+v %v", tun, err)
	}
	if _, err := c.Get(ctx, "home"); !client.IsCode(err, api.CodeNotFound) {
		t.Errorf("the old name is still there: %v", err)
	}
	got, err := c.Export(ctx, "house")
	if err != nil || got.String() != want.String() {
		t.Errorf("export under the new name: %v\n%s\nwant\n%s", err, got, want)
	}
	if _, err := client.FileKeyStore(filepath.Join(h.dir, "keys")).Get("home"); err == nil {
		t.Error("the keys are still under the old name")
	}
	if _, err := os.Stat(filepath.Join(h.dir, "state", "tunnels", "home.json")); !os.IsNotExist(err) {
		t.Errorf("the old record is still on disk: %v", err)
	}
	if _, err := c.Rename(ctx, "house", "House"); err != nil {
		t.Fatalf("rename to another case: %v", err)
	}
	if _, err := c.Up(ctx, "House"); err != nil {
		t.Errorf("up after a change of case: %v", err)
	}

	// The service restarts with the tunnel under its new name.
	h.stop()
	h2 := startHarness(t, h.dir)
	if _, err := testClient(t, h2).Get(ctx, "House"); err != nil {
		t.Errorf("after a restart: %v", err)
	}
}

// An import stores the keys before the service has the tunnel, so anyone
// shown the tunnel (the tray, a click on Connect) finds its keys. The
// service holds the name for it meanwhile: another import gets another
// name or is refused, and never writes keys under it. When the hold ran
// out and the name went to someone else, the keyring is left as it was
// (here a stale entry of a tunnel deleted long ago).
func TestImportStoresTheKeysBeforeTheTunnelExists(t *testing.T) {
	h := startHarness(t, t.TempDir())
	ctx := ctxFor(t)
	stranger := client.New(h.socket, client.FileKeyStore(t.TempDir()))
	files := client.FileKeyStore(filepath.Join(h.dir, "keys"))
	keys := &watchedKeys{KeyStore: files}
	c := client.New(h.socket, keys)
	keys.onSet = func(name string) {
		if _, err := stranger.Get(ctx, name); !client.IsCode(err, api.CodeNotFound) {
			t.Errorf("keys stored for %s while the service answers %v; want the tunnel not to exist yet", name, err)
		}
		if _, err := stranger.Import(ctx, name, newConfig(t, "10.8.0.0/24")); !client.IsCode(err, api.CodeExists) || !strings.Contains(err.Error(), "is being created") {
			t.Errorf("another import of %s while its keys are stored: %v, want exists, being created", name, err)
		}
		if tun, err := stranger.ImportDerived(ctx, "office", newConfig(t, "10.8.0.0/24")); err != nil || tun.Name != "office-2" {
			t.Errorf("another derived import of office = %q, %v; want office-2", tun.Name, err)
		}
	}
	if _, err := c.ImportDerived(ctx, "office", newConfig(t, "10.9.0.0/24")); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Up(ctx, "office"); err != nil {
		t.Errorf("up right after the import: %v", err)
	}

	if err := files.Set("home", "stale"); err != nil {
		t.Fatal(err)
	}
	// takenOnceTheHoldRunsOut lets the hold on name run out and gives the
	// name to the stranger, as the keys are stored: the create that
	// follows fails.
	takenOnceTheHoldRunsOut := func(name string) {
		keys.onSet = func(string) {} // the restore of the entry
		h.mgr.mu.Lock()
		h.mgr.tunnels[nameKey(name)].reservedUntil = time.Now().Add(-time.Second)
		h.mgr.mu.Unlock()
		if _, err := stranger.Import(ctx, name, newConfig(t, "10.8.0.0/24")); err != nil {
			t.Errorf("import of %s once the hold ran out: %v", name, err)
		}
	}
	keys.onSet = takenOnceTheHoldRunsOut
	if _, err := c.Import(ctx, "home", newConfig(t, "10.7.0.0/24")); !client.IsCode(err, api.CodeExists) {
		t.Errorf("import of a name taken after the hold ran out: %v, want exists", err)
	}
	if data, err := files.Get("home"); data != "stale" {
		t.Errorf("keyring entry of home after the failed import: %q, %v; want the stale one as before", data, err)
	}

	// When the keyring cannot be read back then, the user learns that the
	// keys may have stayed there.
	keys.onSet = func(name string) {
		takenOnceTheHoldRunsOut(name)
		keys.getErr = errors.New("the keyring is locked")
	}
	if _, err := c.Import(ctx, "work", newConfig(t, "10.6.0.0/24")); !client.IsCode(err, api.CodeExists) || !strings.Contains(err.Error(), "the keys stored for work may stay in your keyring: the keyring is locked") {
		t.Errorf("import when the keyring cannot be read back: %v, want exists and that the keys may stay", err)
	}
}

// watchedKeys calls onSet before it stores keys, and fails to read them
// once getErr is set.
type watchedKeys struct {
	client.KeyStore
	onSet  func(name string)
	getErr error
}

func (k *watchedKeys) Get(name string) (string, error) {
	if k.getErr != nil {
		return "", k.getErr
	}
	return k.KeyStore.Get(name)
}

func (k *watchedKeys) Set(name, secret string) error {
	k.onSet(name)
	return k.KeyStore.Set(name, secret)
}

// Imports of one name at once: one gets it and the others are refused,
// while the winner's tunnel is still being created or once it is (under
// -race, this reads no placeholder outside the manager's lock).
func TestConcurrentImportsOfOneNameGetItOnce(t *testing.T) {
	h := startHarness(t, t.TempDir())
	caller := ipc.Peer{UID: "1000", Operator: true}
	cfg := newConfig(t, "10.20.0.0/24")
	for round := range 20 {
		name := fmt.Sprintf("office%d", round)
		req := api.CreateRequest{Name: name, Config: cfg.String(), PublicKey: cfg.Interface.PrivateKey.Public().String()}
		errs := make(chan error, 4)
		for range cap(errs) {
			go func() {
				_, err := h.mgr.create(caller, req)
				errs <- err
			}()
		}
		won := 0
		for range cap(errs) {
			if err := <-errs; err == nil {
				won++
			} else {
				wantCode(t, "a refused import of "+name, err, http.StatusConflict, api.CodeExists)
			}
		}
		if won != 1 {
			t.Errorf("%d imports got %s, want 1", won, name)
		}
	}
}
