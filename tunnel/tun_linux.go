package tunnel

import (
	"os"

	"golang.org/x/sys/unix"
)

// tunMissing reports whether the OS lacks the TUN driver, with a hint.
func tunMissing() (string, bool) {
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		return "/dev/net/tun is missing; load the tun kernel module (modprobe tun) or, in a container, pass the device in", true
	}
	return "", false
}

// interfaceExists reports whether this network namespace has an interface
// called name. It asks for that one interface's index: net.InterfaceByName
// reads every interface over netlink first, a quarter of a millisecond on
// the way to the first handshake. When it cannot tell, it says no, and
// creating the TUN fails with its own error.
func interfaceExists(name string) bool {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return false
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	return unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr) == nil
}
