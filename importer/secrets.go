package importer

import (
	"fmt"
	"slices"
)

// Secrets are the keys of a config that belong in the user's keyring.
type Secrets struct {
	PrivateKey    Key
	PresharedKeys map[Key]Key // by the peer's public key
	// RosenpassSecretKey is the tunnel's Rosenpass secret key, which
	// travels with the WireGuard keys for up when Rosenpass is on.
	RosenpassSecretKey []byte
}

// Redact splits c into a copy without private and preshared keys, which may
// be stored, and the secrets, which go to the keyring.
func (c *Config) Redact() (*Config, Secrets) {
	r := c.Clone()
	s := Secrets{PrivateKey: r.Interface.PrivateKey}
	r.Interface.PrivateKey = Key{}
	for k := range r.Peers {
		p := &r.Peers[k]
		if p.PresharedKey.IsZero() {
			continue
		}
		if s.PresharedKeys == nil {
			s.PresharedKeys = make(map[Key]Key)
		}
		s.PresharedKeys[p.PublicKey] = p.PresharedKey
		p.PresharedKey = Key{}
	}
	return r, s
}

// WithSecrets returns a copy of c with the secrets put back, the reverse of
// Redact. It fails when the private key is missing or a preshared key is
// for a peer c does not have.
func (c *Config) WithSecrets(s Secrets) (*Config, error) {
	if s.PrivateKey.IsZero() {
		return nil, fmt.Errorf("the secrets have no private key; import the config again to store it")
	}
	n := c.Clone()
	n.Interface.PrivateKey = s.PrivateKey
	used := 0
	for k := range n.Peers {
		p := &n.Peers[k]
		if psk, ok := s.PresharedKeys[p.PublicKey]; ok {
			p.PresharedKey = psk
			used++
		}
	}
	if used != len(s.PresharedKeys) {
		for pub := range s.PresharedKeys {
			if !slices.ContainsFunc(n.Peers, func(p Peer) bool { return p.PublicKey == pub }) {
				return nil, fmt.Errorf("the secrets hold a preshared key for peer %s, which the config does not have; import the config again", pub)
			}
		}
	}
	return n, nil
}
