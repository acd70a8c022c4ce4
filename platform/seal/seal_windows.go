package seal

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"

	"github.com/wgtray/wgtray/internal/atomicfile"
)

// dpapi seals with DPAPI in machine scope (CryptProtectData with
// CRYPTPROTECT_LOCAL_MACHINE), as wireguard-windows keeps its tunnels'
// configs: any process of this machine could open the blobs, so they live
// in the state directory, which only SYSTEM and Administrators may read.
// The tunnel's name is the blob's entropy, so a blob renamed to another
// tunnel does not open.
type dpapi struct {
	dir string
}

// New opens the machine's secret store; on Windows sealed secrets are
// files in dir.
func New(dir string) (Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	return &dpapi{dir: dir}, nil
}

func (d *dpapi) String() string { return "DPAPI in machine scope" }

func (d *dpapi) path(name string) string { return filepath.Join(d.dir, name) }

func blob(b []byte) *windows.DataBlob {
	if len(b) == 0 {
		return &windows.DataBlob{}
	}
	return &windows.DataBlob{Size: uint32(len(b)), Data: &b[0]}
}

// entropy binds a blob to the tunnel it was sealed for.
func entropy(name string) []byte { return []byte("wgtray tunnel " + name) }

// takeBlob copies and frees a buffer DPAPI allocated, wiping it first.
func takeBlob(out *windows.DataBlob) []byte {
	defer windows.LocalFree(windows.Handle(unsafe.Pointer(out.Data)))
	view := unsafe.Slice(out.Data, out.Size)
	b := append([]byte(nil), view...)
	clear(view)
	return b
}

func (d *dpapi) Seal(name string, secret []byte) error {
	desc, err := windows.UTF16PtrFromString(name)
	if err != nil {
		return fmt.Errorf("seal the keys of %s: %w", name, err)
	}
	var out windows.DataBlob
	const flags = windows.CRYPTPROTECT_LOCAL_MACHINE | windows.CRYPTPROTECT_UI_FORBIDDEN
	if err := windows.CryptProtectData(blob(secret), desc, blob(entropy(name)), 0, nil, flags, &out); err != nil {
		return fmt.Errorf("seal the keys of %s with DPAPI: %w", name, err)
	}
	sealed := takeBlob(&out)
	if err := atomicfile.Write(d.path(name), sealed, 0o600); err != nil {
		return fmt.Errorf("seal the keys of %s: %w", name, err)
	}
	return nil
}

func (d *dpapi) Open(name string) ([]byte, error) {
	sealed, err := os.ReadFile(d.path(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotSealed
	}
	if err != nil {
		return nil, fmt.Errorf("open the sealed keys of %s: %w", name, err)
	}
	var out windows.DataBlob
	if err := windows.CryptUnprotectData(blob(sealed), nil, blob(entropy(name)), 0, nil, windows.CRYPTPROTECT_UI_FORBIDDEN, &out); err != nil {
		return nil, fmt.Errorf("open the sealed keys of %s with DPAPI (sealed on another machine, or for another tunnel?): %w", name, err)
	}
	return takeBlob(&out), nil
}

func (d *dpapi) Remove(name string) error {
	if err := os.Remove(d.path(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the sealed keys of %s: %w", name, err)
	}
	return nil
}

func (d *dpapi) Names() ([]string, error) { return fileNames(d.dir) }
