// Package paths says where the service keeps its state and where its socket
// is, for the service and its clients alike.
package paths

import "os"

// StateDir is where the service keeps its tunnels and settings:
// $WGTRAY_STATE_DIR, or the system default for the OS.
func StateDir() string {
	if d := os.Getenv("WGTRAY_STATE_DIR"); d != "" {
		return d
	}
	return defaultStateDir
}

// SocketPath is where the service listens and clients connect:
// $WGTRAY_SOCKET, or the system default for the OS.
func SocketPath() string {
	if p := os.Getenv("WGTRAY_SOCKET"); p != "" {
		return p
	}
	return defaultSocketPath
}
