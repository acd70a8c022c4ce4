package service

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

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

// An import tells the service before it stores the keys, so the tray can be
// asked to bring a tunnel up a moment before its keys are in the keyring:
// Up waits for them a little, and says what is missing when they never come.
func TestUpRightAfterAnImportWaitsForItsKeys(t *testing.T) {
	h, c, ctx := startWithTunnel(t, "home")
	keys := client.FileKeyStore(filepath.Join(h.dir, "keys"))
	data, err := keys.Get("home")
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.Delete("home"); err != nil {
		t.Fatal(err)
	}
	stored := make(chan error, 1)
	go func() {
		time.Sleep(500 * time.Millisecond)
		stored <- keys.Set("home", data)
	}()
	if _, err := c.Up(ctx, "home"); err != nil {
		t.Errorf("up while the import stores the keys: %v", err)
	}
	if err := <-stored; err != nil {
		t.Fatal(err)
	}
	if _, err := c.Down(ctx, "home"); err != nil {
		t.Fatal(err)
	}
	if err := keys.Delete("home"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Up(ctx, "home"); !errors.Is(err, client.ErrNoKeys) {
		t.Errorf("up without keys: %v, want ErrNoKeys", err)
	}
}
