package seal

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestDPAPISealsOpensAndRemoves(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sealed")
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
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
}

func TestDPAPIRefusesACopyUnderAnotherTunnelsName(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sealed")
	s, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
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
