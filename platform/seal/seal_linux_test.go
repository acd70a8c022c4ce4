package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
)

func newCreds(t *testing.T) (Store, string) {
	t.Helper()
	if _, err := exec.LookPath("systemd-creds"); err != nil {
		t.Skip("systemd-creds is not installed")
	}
	if os.Geteuid() != 0 {
		t.Skip("systemd-creds needs root for the host key")
	}
	dir := filepath.Join(t.TempDir(), "sealed")
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	return s, dir
}

func TestSystemdCredsSealsOpensAndRemoves(t *testing.T) {
	s, dir := newCreds(t)
	secret := make([]byte, 96)
	rand.Read(secret)
	if err := s.Seal("office", secret); err != nil {
		t.Fatal(err)
	}
	sealed, err := os.ReadFile(filepath.Join(dir, "office"))
	if err != nil {
		t.Fatal(err)
	}
	for _, form := range [][]byte{secret, []byte(base64.StdEncoding.EncodeToString(secret)), []byte(hex.EncodeToString(secret))} {
		if bytes.Contains(sealed, form[:32]) {
			t.Fatal("the sealed file holds the secret in the clear")
		}
	}
	if fi, _ := os.Stat(filepath.Join(dir, "office")); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}
	got, err := s.Open("office")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Open = %x, %v; want the secret back", got, err)
	}
	if names, err := s.Names(); err != nil || !slices.Equal(names, []string{"office"}) {
		t.Errorf("Names = %v, %v", names, err)
	}
	if err := s.Remove("office"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Open("office"); !errors.Is(err, ErrNotSealed) {
		t.Errorf("Open after Remove: %v, want ErrNotSealed", err)
	}
	if err := s.Remove("office"); err != nil {
		t.Errorf("Remove of nothing: %v", err)
	}
	t.Log(s)
}

func TestSystemdCredsRefusesACopyUnderAnotherTunnelsName(t *testing.T) {
	s, dir := newCreds(t)
	if err := s.Seal("home", []byte("the keys of home")); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "home"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "work"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Open("work"); err == nil {
		t.Fatalf("home's sealed keys opened as work's: %q", got)
	}
}

func TestSystemdCredsTakesTheCopySystemdHandedOverUntilResealed(t *testing.T) {
	s, _ := newCreds(t)
	handed := t.TempDir()
	s.(*creds).handed = handed
	if err := os.WriteFile(filepath.Join(handed, "wgtray_lab"), []byte("handed over"), 0o400); err != nil {
		t.Fatal(err)
	}
	if err := s.Seal("lab", []byte("sealed now")); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Open("lab"); err != nil || string(got) != "sealed now" {
		t.Errorf("after a reseal Open = %q, %v; want the new copy", got, err)
	}
	s.(*creds).resealed = map[string]bool{} // as after a restart
	if got, err := s.Open("lab"); err != nil || string(got) != "handed over" {
		t.Errorf("Open = %q, %v; want systemd's copy", got, err)
	}
}
