package client

import (
	"errors"
	"strings"
	"testing"
)

// TestKeyringStoresInCredentialManager runs against the real Credential
// Manager (under Wine in make test's Windows lane).
func TestKeyringStoresInCredentialManager(t *testing.T) {
	storeRoundTrip(t, Keyring())
}

// Credential Manager holds at most 2560 bytes an item: more is refused with
// a sentence that says what to do, and nothing is stored.
func TestCredentialManagerRefusesKeysTooBigAndSaysWhatToDo(t *testing.T) {
	name := "big" + strings.ReplaceAll(t.Name(), "/", "")[:8]
	err := Keyring().Set(name, strings.Repeat("k", 3000))
	if !errors.Is(err, ErrKeysTooLarge) || !strings.Contains(err.Error(), "3000 bytes") {
		t.Fatalf("Set of 3000 bytes: %v", err)
	}
	if _, err := Keyring().Get(name); !errors.Is(err, ErrNoKeys) {
		t.Errorf("a refused item is stored: %v", err)
	}
}
