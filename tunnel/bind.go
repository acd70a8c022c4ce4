package tunnel

import (
	"errors"

	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
)

// pinBind lets the platform pin the device's UDP socket of one family to an
// interface (netconf.NetworkConfig.BindToInterface), where the bind can:
// wireguard-go's Windows bind sets IP_UNICAST_IF. It asks the device for its
// bind on each call, as the bind is open only while the device is up.
func pinBind(dev *device.Device) func(family int, index uint32, blackhole bool) error {
	return func(family int, index uint32, blackhole bool) error {
		b, ok := dev.Bind().(conn.BindSocketToInterface)
		if !ok {
			return errors.New("the UDP socket cannot be pinned to an interface on this OS")
		}
		if family == 6 {
			return b.BindSocketToInterface6(index, blackhole)
		}
		return b.BindSocketToInterface4(index, blackhole)
	}
}
