package tunnel

import (
	"syscall"

	"golang.org/x/sys/unix"
)

func (o socketOptions) control(_, _ string, c syscall.RawConn) error {
	if o.mark == 0 {
		return nil
	}
	var serr error
	if err := c.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, int(o.mark))
	}); err != nil {
		return err
	}
	return serr
}
