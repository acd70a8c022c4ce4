package client

import (
	"errors"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

func TestKeysTooBigForTheKeyringSayWhatToDoInstead(t *testing.T) {
	err := keyringSetError(keyring.ErrSetDataTooBig, strings.Repeat("k", 3000))
	if errors.Is(err, ErrNoKeyring) {
		t.Errorf("a keyring that refused a big item is reported as missing: %v", err)
	}
	if !strings.Contains(err.Error(), "3000 bytes") || !strings.Contains(err.Error(), "--key-store=file") {
		t.Errorf("the error does not say the size and the way out: %v", err)
	}
	if err := keyringSetError(errors.New("no D-Bus"), "k"); !errors.Is(err, ErrNoKeyring) {
		t.Errorf("another keyring failure is not ErrNoKeyring: %v", err)
	}
}
