package client

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestServiceNotRunningSaysHowToStartIt(t *testing.T) {
	c := New(filepath.Join(t.TempDir(), "wgtray.sock"), FileKeyStore(t.TempDir()))
	_, err := c.List(t.Context())
	if !errors.Is(err, ErrNotRunning) {
		t.Fatalf("List without a service: %v, want ErrNotRunning", err)
	}
	if !strings.Contains(err.Error(), "wgtrayd start") {
		t.Errorf("the error does not say how to start the service: %v", err)
	}
}
