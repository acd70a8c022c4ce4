package tunnel

import "net"

// tunName is the TUN device to ask for: macOS names utun devices itself,
// so the tunnel asks for "utun", gets the next free utunN, and keeps its
// own name for the user.
func tunName(string) string { return "utun" }

// tunMissing reports whether the OS lacks the TUN driver, with a hint; the
// TUN creation error says enough here.
func tunMissing() (string, bool) { return "", false }

// interfaceExists reports whether an interface called name exists.
func interfaceExists(name string) bool {
	_, err := net.InterfaceByName(name)
	return err == nil
}
