package tunnel

import (
	"net"
	"os"

	"golang.zx2c4.com/wireguard/ipc"
)

// On Windows the UAPI is a named pipe that needs no file beforehand.
func openUAPI(string) (*os.File, error) { return nil, nil }

func listenUAPI(name string, _ *os.File) (net.Listener, error) { return ipc.UAPIListen(name) }

func removeUAPI(string) error { return nil }

// Named pipes go away with the process that served them.
func removeStaleUAPI(string) error { return nil }
