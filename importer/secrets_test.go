package importer

import (
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func secretConfig() *Config {
	c := confBase()
	c.Peers[0].PresharedKey = peerPSK
	c.Peers = append(c.Peers, Peer{PublicKey: peerPub2})
	return c
}

func TestRedactSplitsOffEverySecret(t *testing.T) {
	c := secretConfig()
	redacted, secrets := c.Redact()
	if !redacted.Interface.PrivateKey.IsZero() || !redacted.Peers[0].PresharedKey.IsZero() {
		t.Errorf("redacted config still has a secret: %#v", redacted)
	}
	text := redacted.String()
	if strings.Contains(text, testPriv.String()) || strings.Contains(text, peerPSK.String()) {
		t.Errorf("redacted text has a secret:\n%s", text)
	}
	want := Secrets{PrivateKey: testPriv, PresharedKeys: map[Key]Key{peerPub: peerPSK}}
	if !reflect.DeepEqual(secrets, want) {
		t.Errorf("secrets = %#v, want %#v", secrets, want)
	}
	if !reflect.DeepEqual(c, secretConfig()) {
		t.Errorf("Redact changed the original")
	}
	back, err := redacted.WithSecrets(secrets)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, c) {
		t.Errorf("WithSecrets(Redact()) = %#v, want %#v", back, c)
	}
	if !redacted.Interface.PrivateKey.IsZero() {
		t.Errorf("WithSecrets changed the redacted config")
	}
}

func TestRedactWithoutPresharedKeysHasNoMap(t *testing.T) {
	_, s := confBase().Redact()
	if s.PresharedKeys != nil || s.PrivateKey != testPriv {
		t.Errorf("secrets = %#v", s)
	}
}

func TestWithSecretsRejectsMissingPrivateKey(t *testing.T) {
	redacted, s := secretConfig().Redact()
	s.PrivateKey = Key{}
	if _, err := redacted.WithSecrets(s); err == nil || !strings.Contains(err.Error(), "private key") {
		t.Errorf("got %v, want an error about the private key", err)
	}
}

func TestWithSecretsRejectsPresharedKeyOfUnknownPeer(t *testing.T) {
	redacted, s := secretConfig().Redact()
	s.PresharedKeys[testPub] = peerPSK
	_, err := redacted.WithSecrets(s)
	if err == nil || !strings.Contains(err.Error(), testPub.String()) {
		t.Errorf("got %v, want an error naming peer %s", err, testPub)
	}
}

func TestCloneIsDeep(t *testing.T) {
	c := fullConfig()
	n := c.Clone()
	if !reflect.DeepEqual(c, n) || !c.Equal(n) {
		t.Fatalf("clone differs")
	}
	n.Interface.Addresses[0] = confPrefix("192.0.2.1/32")
	n.Interface.DNS[0] = n.Interface.DNS[0].Next()
	n.Interface.DNSSearch[0] = "changed"
	n.Interface.PreUp[0], n.Interface.PostUp[0], n.Interface.PreDown[0], n.Interface.PostDown[0] = "x", "x", "x", "x"
	n.Peers[0].AllowedIPs[0] = confPrefix("192.0.2.0/24")
	n.Peers[0].PublicKey = testPub
	if !reflect.DeepEqual(c, fullConfig()) {
		t.Errorf("changing the clone changed the original")
	}
	if c.Equal(n) {
		t.Errorf("Equal misses differences")
	}
}

func TestEqualTreatsNilAndEmptyListsAlike(t *testing.T) {
	a, b := confBase(), confBase()
	b.Interface.Addresses = []netip.Prefix{}
	b.Peers[0].AllowedIPs = []netip.Prefix{}
	if !a.Equal(b) {
		t.Errorf("nil and empty lists differ")
	}
	b.Peers = append(b.Peers, Peer{PublicKey: peerPub2})
	if a.Equal(b) {
		t.Errorf("configs with different peers are equal")
	}
}

func TestParseRedactedReadsWhatRedactWrites(t *testing.T) {
	redacted, _ := secretConfig().Redact()
	text := redacted.String()
	if _, err := Parse("r.conf", []byte(text)); err == nil {
		t.Errorf("Parse accepts a config without PrivateKey")
	}
	back, err := ParseRedacted("r.conf", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, redacted) {
		t.Errorf("got %#v, want %#v", back, redacted)
	}
	if _, err := ParseRedacted("r.conf", []byte(text+"[Peer]\nAllowedIPs = 10.0.0.0/8\n")); err == nil {
		t.Errorf("ParseRedacted accepts a peer without PublicKey")
	}
	if _, err := ParseRedacted("r.conf", []byte("[Interface]\nPrivateKey = short\n")); err == nil {
		t.Errorf("ParseRedacted accepts a bad PrivateKey")
	}
}
