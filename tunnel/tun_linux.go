package tunnel

import "os"

// tunMissing reports whether the OS lacks the TUN driver, with a hint.
func tunMissing() (string, bool) {
	if _, err := os.Stat("/dev/net/tun"); err != nil {
		return "/dev/net/tun is missing; load the tun kernel module (modprobe tun) or, in a container, pass the device in", true
	}
	return "", false
}
