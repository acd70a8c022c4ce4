package client

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/client/keyringtest"
)

func testSecrets(t *testing.T) importer.Secrets {
	t.Helper()
	var keys [3]importer.Key
	for i := range keys {
		var err error
		if keys[i], err = importer.GenerateKey(); err != nil {
			t.Fatal(err)
		}
	}
	priv, peer, psk := keys[0], keys[1], keys[2]
	return importer.Secrets{PrivateKey: priv, PresharedKeys: map[importer.Key]importer.Key{peer.Public(): psk}}
}

// storeRoundTrip checks that a store gives back what it was given and
// forgets it on Delete.
func storeRoundTrip(t *testing.T, ks KeyStore) {
	t.Helper()
	name := "rt" + strings.ReplaceAll(time.Now().Format("150405.000000"), ".", "")
	s := testSecrets(t)
	if err := ks.Set(name, encodeSecrets(s)); err != nil {
		t.Fatal(err)
	}
	data, err := ks.Get(name)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodeSecrets(data)
	if err != nil {
		t.Fatal(err)
	}
	if got.PrivateKey != s.PrivateKey || len(got.PresharedKeys) != 1 {
		t.Fatalf("got back %v, want %v", got, s)
	}
	for pub, psk := range s.PresharedKeys {
		if got.PresharedKeys[pub] != psk {
			t.Error("the preshared key differs")
		}
	}
	if err := ks.Delete(name); err != nil {
		t.Fatal(err)
	}
	if _, err := ks.Get(name); !errors.Is(err, ErrNoKeys) {
		t.Errorf("Get after Delete: %v, want ErrNoKeys", err)
	}
	if err := ks.Delete(name); !errors.Is(err, ErrNoKeys) {
		t.Errorf("second Delete: %v, want ErrNoKeys", err)
	}
}

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
	for _, hint := range []string{"gnome-keyring", "--key-store=file"} {
		if !strings.Contains(err.Error(), hint) {
			t.Errorf("the error does not mention %s: %v", hint, err)
		}
	}
}
