package tunnel

import (
	"encoding/binary"
	"net"

	"golang.org/x/sys/windows"
)

// IP_UNICAST_IF and IPV6_UNICAST_IF (ws2ipdef.h), as wireguard-go's
// Windows bind uses them.
const (
	sockoptIPUnicastIf   = 31
	sockoptIPv6UnicastIf = 31
)

// pinSocket sends c's packets out of the interface index, whatever the
// routes say: a full tunnel's routes would take them into the tunnel.
func pinSocket(c *net.UDPConn, family int, index uint32) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	err = rc.Control(func(fd uintptr) {
		if family == 4 {
			// IPv4 takes the index in network byte order.
			var be [4]byte
			binary.BigEndian.PutUint32(be[:], index)
			serr = windows.SetsockoptInt(windows.Handle(fd), windows.IPPROTO_IP, sockoptIPUnicastIf, int(binary.NativeEndian.Uint32(be[:])))
			return
		}
		serr = windows.SetsockoptInt(windows.Handle(fd), windows.IPPROTO_IPV6, sockoptIPv6UnicastIf, int(index))
	})
	if err != nil {
		return err
	}
	return serr
}
