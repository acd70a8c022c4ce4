package client

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtray/wgtray/service/client/keyringtest"
)

func TestFileKeyStoreWritesOnlyForTheUser(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	ks := FileKeyStore(dir)
	storeRoundTrip(t, ks)
	if err := ks.Set("home", encodeSecrets(testSecrets(t))); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{dir, filepath.Join(dir, "home.json")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s has mode %v, readable by others", p, fi.Mode().Perm())
		}
	}
	if err := ks.Set("../escape", "x"); err == nil {
		t.Error("a tunnel name with a path in it was accepted")
	}
}

// TestKeyringStoresInTheSecretService runs against a real gnome-keyring in
// a D-Bus session of its own.
func TestKeyringStoresInTheSecretService(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", keyringtest.Start(t, "", t.TempDir()))
	storeRoundTrip(t, Keyring())
}

func TestNoKeyringSaysHowToGetOne(t *testing.T) {
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "")
	err := Keyring().Set("home", "x")
	if !errors.Is(err, ErrNoKeyring) {
		t.Fatalf("Set without a session bus: %v, want ErrNoKeyring", err)
	}
	if !strings.Contains(err.Error(), "GNOME Keyring") {
		t.Errorf("the error does not say what wgtray needs: %v", err)
	}
	// The app has no shell and no --key-store: the CLI adds its own way.
	if strings.Contains(err.Error(), "--") || strings.Contains(err.Error(), "`") {
		t.Errorf("the error gives command-line advice: %v", err)
	}
}
