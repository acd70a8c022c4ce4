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

func removeUAPI(name string) error {
	err := os.Remove(filepath.Join("/var/run/wireguard", name+".sock"))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
