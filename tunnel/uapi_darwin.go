package tunnel

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
)

// On macOS the UAPI socket is /var/run/wireguard/utunN.sock, so `wg show
// utunN` reads the tunnel. As wg-quick does, /var/run/wireguard/NAME.name
// holds "utunN", which is how wg-quick and the tools that follow it find a
// tunnel by its own name, and how they see that the name is in use.

func uapiNamePath(name string) string { return filepath.Join("/var/run/wireguard", name+".name") }

// linkUAPI writes NAME.name for the utun ifname. A NAME.name that points
// at a socket someone else serves means the name is taken.
func linkUAPI(name, ifname string) error {
	if other, err := linkedInterface(name); err == nil && other != ifname {
		if c, err := net.Dial("unix", uapiPath(other)); err == nil {
			c.Close()
			return fmt.Errorf("%w: another WireGuard tunnel called %s runs on %s; bring it down (wg-quick down %s) or rename the tunnel", ErrNameTaken, name, other, name)
		}
	}
	if err := os.WriteFile(uapiNamePath(name), []byte(ifname+"\n"), 0o644); err != nil {
		return fmt.Errorf("record the interface of %s: %w", name, err)
	}
	return nil
}

// unlinkUAPI removes NAME.name and, unless a process serves it, the socket
// it names (left by a crash).
func unlinkUAPI(name string) error {
	ifname, err := linkedInterface(name)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var errs []error
	if ifname != "" {
		errs = append(errs, removeStaleUAPI(ifname))
	}
	if err := os.Remove(uapiNamePath(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func linkedInterface(name string) (string, error) {
	data, err := os.ReadFile(uapiNamePath(name))
	if err != nil {
		return "", err
	}
	ifname := string(bytes.TrimSpace(data))
	if filepath.Base(ifname) != ifname {
		return "", nil
	}
	return ifname, nil
}
