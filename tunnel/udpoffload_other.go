//go:build !linux

package tunnel

// keepUDPOffloadOn has nothing to do where wireguard-go uses no UDP GRO.
func keepUDPOffloadOn() {}
