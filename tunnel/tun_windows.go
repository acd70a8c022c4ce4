package tunnel

import (
	"crypto/sha256"
	"encoding/binary"
	"net"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"
	"golang.zx2c4.com/wireguard/tun"
)

// createTUN makes the Wintun adapter with a GUID derived from the tunnel's
// name: Windows keeps a network profile, and the adapter's settings, per
// GUID, and a random GUID would add another at every start.
func createTUN(name string, mtu int) (tun.Device, error) {
	sum := sha256.Sum256([]byte("wgtray tunnel " + name))
	guid := windows.GUID{
		Data1: binary.BigEndian.Uint32(sum[0:4]),
		Data2: binary.BigEndian.Uint16(sum[4:6]),
		Data3: binary.BigEndian.Uint16(sum[6:8]),
	}
	copy(guid.Data4[:], sum[8:16])
	return tun.CreateTUNWithRequestedGUID(name, &guid, mtu)
}

// tunMissing reports whether wintun.dll, Wintun's driver and library, is
// missing: Windows loads it from the executable's directory or System32.
func tunMissing() (string, bool) {
	exe, err := os.Executable()
	if err != nil {
		return "", false
	}
	dir := filepath.Dir(exe)
	for _, d := range []string{dir, filepath.Join(os.Getenv("SystemRoot"), "System32")} {
		if _, err := os.Stat(filepath.Join(d, "wintun.dll")); err == nil {
			return "", false
		}
	}
	return "wintun.dll is missing: put the wintun.dll of your architecture from https://www.wintun.net beside " + filepath.Base(exe) + " in " + dir + " (the wgtray zip ships it there)", true
}

// interfaceExists reports whether an interface called name exists.
func interfaceExists(name string) bool {
	_, err := net.InterfaceByName(name)
	return err == nil
}
