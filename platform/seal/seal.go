// Package seal keeps small secrets at rest so that only this machine can
// open them: the keys of tunnels that the service brings up at boot, before
// anyone logs in. Linux seals with systemd-creds (TPM2 when the machine has
// one, else the host key), Windows with DPAPI in machine scope, macOS in the
// System keychain. Nothing here writes a secret in the clear.
package seal

import (
	"errors"
	"fmt"
)

// Store keeps sealed secrets by name. Names are tunnel names (letters,
// digits and _=+.-); a secret is a few hundred bytes.
type Store interface {
	// Seal stores secret under name, replacing what was there.
	Seal(name string, secret []byte) error
	// Open returns the secret stored under name; ErrNotSealed when there is
	// none. The caller wipes it after use.
	Open(name string) ([]byte, error)
	// Remove deletes the secret stored under name; nothing there is no
	// error.
	Remove(name string) error
	// Names lists every name with a secret, so that copies left behind by
	// a crash can be removed.
	Names() ([]string, error)
	// String says what seals the secrets, for the user: "systemd-creds
	// with the host key", "DPAPI (machine)", "the System keychain".
	String() string
}

// ErrNotSealed means there is no secret under that name.
var ErrNotSealed = errors.New("no sealed secret")

// UnavailableError means this machine has no secret store the service can
// seal with; Missing says what is missing, as a sentence for the user.
type UnavailableError struct {
	Missing string
}

func (e *UnavailableError) Error() string {
	return fmt.Sprintf("this machine has no secret store to seal keys with: %s", e.Missing)
}
