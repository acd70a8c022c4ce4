package client

import (
	"errors"
	"os"
)

// keyringReachable fails fast without a session bus: go-keyring would
// otherwise start a dbus-launch daemon that outlives the process.
func keyringReachable() error {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		return noKeyring(errors.New("DBUS_SESSION_BUS_ADDRESS is not set, so there is no D-Bus session"))
	}
	return nil
}
