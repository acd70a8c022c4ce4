package seal

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// keychain seals in the System keychain with the `security` tool. The
// keychain itself holds the secrets; dir only lists the names (empty
// files), so that copies left behind can be found without dumping the
// keychain.
type keychain struct {
	tool string
	dir  string
}

// keychainNotFound is the exit status of `security` for an item that is
// not there (errSecItemNotFound).
const keychainNotFound = 44

// New opens the machine's secret store; on macOS that is the System
// keychain, and dir lists the names stored there.
func New(dir string) (Store, error) {
	tool, err := exec.LookPath("security")
	if err != nil {
		return nil, &UnavailableError{Missing: "the security tool (/usr/bin/security) is not there"}
	}
	if _, err := os.Stat(systemKeychain); err != nil {
		return nil, &UnavailableError{Missing: fmt.Sprintf("the System keychain %s cannot be read: %v", systemKeychain, err)}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	return &keychain{tool: tool, dir: dir}, nil
}

func (k *keychain) String() string { return "the System keychain" }

func (k *keychain) run(stdin []byte, args ...string) ([]byte, error) {
	out, stderr, err := runTool(k.tool, stdin, args...)
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == keychainNotFound {
			return nil, ErrNotSealed
		}
		return nil, fmt.Errorf("security %s: %w: %s", args[0], err, strings.TrimSpace(stderr))
	}
	return out, nil
}

func (k *keychain) Seal(name string, secret []byte) error {
	script := keychainAddScript(name, secret)
	defer clear(script)
	if _, err := k.run(script, "-i"); err != nil {
		return fmt.Errorf("seal the keys of %s in the System keychain: %w", name, err)
	}
	if err := os.WriteFile(filepath.Join(k.dir, name), nil, 0o600); err != nil {
		return fmt.Errorf("seal the keys of %s: %w", name, err)
	}
	return nil
}

func (k *keychain) Open(name string) ([]byte, error) {
	out, err := k.run(nil, keychainFindArgs(name)...)
	if err != nil {
		if errors.Is(err, ErrNotSealed) {
			return nil, err
		}
		return nil, fmt.Errorf("open the sealed keys of %s: %w", name, err)
	}
	defer clear(out)
	text := bytes.TrimSpace(out)
	secret := make([]byte, hex.DecodedLen(len(text)))
	if _, err := hex.Decode(secret, text); err != nil {
		clear(secret)
		return nil, fmt.Errorf("open the sealed keys of %s: the keychain item is not what wgtray stored", name)
	}
	return secret, nil
}

func (k *keychain) Remove(name string) error {
	if _, err := k.run(nil, keychainDeleteArgs(name)...); err != nil && !errors.Is(err, ErrNotSealed) {
		return fmt.Errorf("remove the sealed keys of %s from the System keychain: %w", name, err)
	}
	if err := os.Remove(filepath.Join(k.dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the sealed keys of %s: %w", name, err)
	}
	return nil
}

func (k *keychain) Names() ([]string, error) { return fileNames(k.dir) }
