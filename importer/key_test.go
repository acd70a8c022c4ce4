package importer

import (
	"math/rand/v2"
	"testing"

	"golang.org/x/crypto/curve25519"
)

func TestPublicMatchesX25519(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for range 200 {
		k := randomKey(r) // not clamped: configs may hold such keys
		want, err := curve25519.X25519(k[:], curve25519.Basepoint)
		if err != nil {
			t.Fatal(err)
		}
		if got := k.Public(); got != Key(want) {
			t.Fatalf("Public(%s) = %s, want %s", k, got, Key(want))
		}
	}
	if got := testPriv.Public(); got != testPub {
		t.Errorf("Public of the test key is %s, want %s as wg pubkey prints", got, testPub)
	}
}
