package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/wgtray/wgtray/service/client"
)

// On Linux the keyring is a Secret Service that a shell can start.
func TestNoKeyringHintSaysHowToStartOne(t *testing.T) {
	if h := hint("up", &client.NoKeyringError{Err: errors.New("no D-Bus")}); !strings.Contains(h, "gnome-keyring-daemon") {
		t.Errorf("hint without a keyring = %q, want how to start gnome-keyring", h)
	}
}
