package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/zalando/go-keyring"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"

	"github.com/wgtray/wgtray/internal/atomicfile"
)

// KeyStore keeps one secret blob per tunnel for the current user. The
// client encodes the tunnel's private and preshared keys into it.
type KeyStore interface {
	Set(tunnel, secret string) error
	// Get fails with an error wrapping ErrNoKeys when nothing is stored.
	Get(tunnel string) (string, error)
	Delete(tunnel string) error
}

// ErrNoKeys means the key store holds no keys for the tunnel.
var ErrNoKeys = errors.New("no keys stored for this tunnel")

// ErrKeysTooLarge means the keyring holds less in one item than a
// tunnel's keys.
var ErrKeysTooLarge = errors.New("the tunnel's keys are more than your keyring holds in one item")

// ErrNoKeyring means no keyring service answers for the current user.
var ErrNoKeyring = errors.New("no keyring is reachable")

// keyringService is the service name of wgtray's items in the keyring.
const keyringService = "wgtray"

// Keyring is the user's OS keyring: the Secret Service on Linux (GNOME
// Keyring, KWallet, KeePassXC), the Keychain on macOS, the Credential
// Manager on Windows.
func Keyring() KeyStore { return osKeyring{} }

type osKeyring struct{}

func (osKeyring) Set(tunnel, secret string) error {
	if err := keyringReachable(); err != nil {
		return err
	}
	if err := keyring.Set(keyringService, tunnel, secret); err != nil {
		return keyringSetError(err, secret)
	}
	return nil
}

// keyringSetError says why the keyring did not take a tunnel's keys. The
// Windows Credential Manager holds at most 2560 bytes an item: the keys of
// some 25 peers with preshared keys.
func keyringSetError(err error, secret string) error {
	if errors.Is(err, keyring.ErrSetDataTooBig) {
		return fmt.Errorf("%w: they are %d bytes; split the tunnel into tunnels with fewer peers", ErrKeysTooLarge, len(secret))
	}
	return noKeyring(err)
}

func (osKeyring) Get(tunnel string) (string, error) {
	if err := keyringReachable(); err != nil {
		return "", err
	}
	s, err := keyring.Get(keyringService, tunnel)
	if errors.Is(err, keyring.ErrNotFound) {
		return "", fmt.Errorf("%w in your keyring: import the tunnel again (as the user who uses it) to store them", ErrNoKeys)
	}
	if err != nil {
		return "", noKeyring(err)
	}
	return s, nil
}

func (osKeyring) Delete(tunnel string) error {
	if err := keyringReachable(); err != nil {
		return err
	}
	err := keyring.Delete(keyringService, tunnel)
	if errors.Is(err, keyring.ErrNotFound) {
		return ErrNoKeys
	}
	if err != nil {
		return noKeyring(err)
	}
	return nil
}

// NoKeyringError says that no keyring answered, and what wgtray needs;
// the command line adds how to get one from a shell, or do without.
type NoKeyringError struct{ Err error }

func (e *NoKeyringError) Error() string {
	return fmt.Sprintf("no keyring is reachable (%v): wgtray keeps private keys in your keyring, "+
		"on Linux a Secret Service in your desktop session (GNOME Keyring, KWallet or KeePassXC)", e.Err)
}

func (e *NoKeyringError) Unwrap() error { return ErrNoKeyring }

func noKeyring(err error) error { return &NoKeyringError{Err: err} }

// FileKeyStore keeps the keys in plain text in files of mode 0600 in dir
// (DefaultKeyDir() normally). It exists for headless machines without a
// keyring and is used only when the user asks for it.
func FileKeyStore(dir string) KeyStore { return fileStore{dir: dir} }

// DefaultKeyDir is the directory of FileKeyStore in the user's config
// directory.
func DefaultKeyDir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find your config directory for the key files: %w", err)
	}
	return filepath.Join(d, "wgtray", "keys"), nil
}

// FileKeyStoreWarning is what the command line prints when the file store
// is used.
const FileKeyStoreWarning = "warning: --key-store=file keeps private keys unencrypted in %s (readable by you and root only); prefer a keyring where one is available"

// OpenKeyStore is the key store a --key-store option names: "keyring" (or
// empty) for the OS keyring, "file" for FileKeyStore in DefaultKeyDir,
// after writing FileKeyStoreWarning to warn.
func OpenKeyStore(kind string, warn io.Writer) (KeyStore, error) {
	switch kind {
	case "keyring", "":
		return Keyring(), nil
	case "file":
		dir, err := DefaultKeyDir()
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(warn, FileKeyStoreWarning+"\n", dir)
		return FileKeyStore(dir), nil
	}
	return nil, fmt.Errorf("--key-store is keyring or file, not %q", kind)
}

type fileStore struct{ dir string }

// path is the file of an item: a tunnel's name, or a part of its Rosenpass
// secret key (NAME/rosenpass/N, in NAME.rosenpass-N.json).
func (f fileStore) path(item string) (string, error) {
	tunnel, part, _ := strings.Cut(item, "/")
	if err := importer.ValidateName(tunnel); err != nil {
		return "", err
	}
	if part != "" {
		n, ok := strings.CutPrefix(part, "rosenpass/")
		if _, err := strconv.Atoi(n); !ok || err != nil {
			return "", fmt.Errorf("no key-store item %q", item)
		}
		tunnel += ".rosenpass-" + n
	}
	return filepath.Join(f.dir, tunnel+".json"), nil
}

func (f fileStore) Set(tunnel, secret string) error {
	path, err := f.path(tunnel)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(f.dir, 0o700); err != nil {
		return fmt.Errorf("create key directory: %w", err)
	}
	if err := atomicfile.Write(path, []byte(secret), 0o600); err != nil {
		return fmt.Errorf("write key file: %w", err)
	}
	return nil
}

func (f fileStore) Get(tunnel string) (string, error) {
	path, err := f.path(tunnel)
	if err != nil {
		return "", err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w in %s: import the tunnel again with --key-store=file", ErrNoKeys, f.dir)
	}
	if err != nil {
		return "", fmt.Errorf("read key file: %w", err)
	}
	return string(b), nil
}

func (f fileStore) Delete(tunnel string) error {
	path, err := f.path(tunnel)
	if err != nil {
		return err
	}
	err = os.Remove(path)
	if errors.Is(err, os.ErrNotExist) {
		return ErrNoKeys
	}
	return err
}

// storedKeys is the blob in the key store: base64 keys, preshared keys by
// the peer's public key.
type storedKeys struct {
	PrivateKey    api.Secret            `json:"private_key"`
	PresharedKeys map[string]api.Secret `json:"preshared_keys,omitempty"`
}

func encodeSecrets(s importer.Secrets) string {
	k := storedKeys{PrivateKey: api.Secret(s.PrivateKey)}
	for pub, psk := range s.PresharedKeys {
		if k.PresharedKeys == nil {
			k.PresharedKeys = make(map[string]api.Secret, len(s.PresharedKeys))
		}
		k.PresharedKeys[pub.String()] = api.Secret(psk)
	}
	b, _ := json.Marshal(k) // a struct of fixed-size arrays always encodes
	return string(b)
}

func decodeStored(data string) (storedKeys, error) {
	var k storedKeys
	if err := json.Unmarshal([]byte(data), &k); err != nil {
		return k, fmt.Errorf("the stored keys are damaged (%v); import the tunnel again", err)
	}
	if importer.Key(k.PrivateKey).IsZero() {
		return k, errors.New("the stored keys have no private key; import the tunnel again")
	}
	return k, nil
}

func decodeSecrets(data string) (importer.Secrets, error) {
	k, err := decodeStored(data)
	if err != nil {
		return importer.Secrets{}, err
	}
	s := importer.Secrets{PrivateKey: importer.Key(k.PrivateKey)}
	for pub, psk := range k.PresharedKeys {
		pk, err := importer.ParseKey(pub)
		if err != nil {
			return importer.Secrets{}, fmt.Errorf("the stored keys are damaged (peer %q: %v); import the tunnel again", pub, err)
		}
		if s.PresharedKeys == nil {
			s.PresharedKeys = make(map[importer.Key]importer.Key, len(k.PresharedKeys))
		}
		s.PresharedKeys[pk] = importer.Key(psk)
	}
	return s, nil
}

func decodeUpRequest(data string) (api.UpRequest, error) {
	k, err := decodeStored(data)
	if err != nil {
		return api.UpRequest{}, err
	}
	return api.UpRequest{PrivateKey: k.PrivateKey, PresharedKeys: k.PresharedKeys}, nil
}

func wipeUpRequest(r *api.UpRequest) {
	clear(r.PrivateKey[:])
	clear(r.RosenpassSecretKey)
	for pub, psk := range r.PresharedKeys {
		clear(psk[:])
		r.PresharedKeys[pub] = psk
	}
}
