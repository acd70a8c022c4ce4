package client

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/wgtray/wgtray/importer"
)

func TestKeysTooBigForTheKeyringSayWhatToDoInstead(t *testing.T) {
	err := keyringSetError(keyring.ErrSetDataTooBig, strings.Repeat("k", 3000))
	if errors.Is(err, ErrNoKeyring) {
		t.Errorf("a keyring that refused a big item is reported as missing: %v", err)
	}
	if !errors.Is(err, ErrKeysTooLarge) || !strings.Contains(err.Error(), "3000 bytes") || !strings.Contains(err.Error(), "fewer peers") {
		t.Errorf("the error does not say the size and the way out: %v", err)
	}
	// The app has no key store to choose: the CLI adds its own way out.
	if strings.Contains(err.Error(), "--") {
		t.Errorf("the error gives command-line advice: %v", err)
	}
	if err := keyringSetError(errors.New("no D-Bus"), "k"); !errors.Is(err, ErrNoKeyring) {
		t.Errorf("another keyring failure is not ErrNoKeyring: %v", err)
	}
}

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

// Our Rosenpass key pair is made with circl's McEliece scheme, not through
// go-rosenpass: it has the sizes go-rosenpass reads.
func TestRosenpassKeyPairHasTheSizesRosenpassReads(t *testing.T) {
	pk, sk, err := rosenpassKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	if len(pk) != rosenpassPublicLen || len(sk) != rosenpassSecretLen {
		t.Errorf("key pair of %d and %d bytes, want %d and %d", len(pk), len(sk), rosenpassPublicLen, rosenpassSecretLen)
	}
}
