//go:build linux || darwin

package tunnel

import (
	"errors"
	"net"
	"os"
	"path/filepath"

	"golang.zx2c4.com/wireguard/ipc"
)

// openUAPI creates the UAPI socket /var/run/wireguard/NAME.sock, which the
// stock wg(8) talks to. It fails if a live process serves that name.
func openUAPI(name string) (*os.File, error) { return ipc.UAPIOpen(name) }

func listenUAPI(name string, f *os.File) (net.Listener, error) { return ipc.UAPIListen(name, f) }

func uapiPath(name string) string { return filepath.Join("/var/run/wireguard", name+".sock") }

func removeUAPI(name string) error {
	err := os.Remove(uapiPath(name))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}

// removeStaleUAPI removes the UAPI socket of name unless a process serves it.
func removeStaleUAPI(name string) error {
	if c, err := net.Dial("unix", uapiPath(name)); err == nil {
		return c.Close()
	}
	return removeUAPI(name)
}
