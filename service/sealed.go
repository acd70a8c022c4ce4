package service

import (
	"bytes"
	"errors"
	"fmt"
	"slices"

	"github.com/wgtray/wgtray/importer"
)

// The keys of a tunnel that starts at boot, as the machine's secret store
// seals them: a version byte, the private key, then the peer's public key
// and the preshared key for each peer that has one, in the order of the
// public keys. Raw bytes, so that every copy can be wiped.
const sealedVersion = 1

func encodeSealed(s importer.Secrets) []byte {
	peers := make([]importer.Key, 0, len(s.PresharedKeys))
	for pub := range s.PresharedKeys {
		peers = append(peers, pub)
	}
	slices.SortFunc(peers, func(a, b importer.Key) int { return bytes.Compare(a[:], b[:]) })
	b := make([]byte, 0, 1+len(s.PrivateKey)*(1+2*len(peers)))
	b = append(b, sealedVersion)
	b = append(b, s.PrivateKey[:]...)
	for _, pub := range peers {
		psk := s.PresharedKeys[pub]
		b = append(b, pub[:]...)
		b = append(b, psk[:]...)
		clear(psk[:])
	}
	return b
}

var errSealedForm = errors.New("the sealed keys are not in a form this wgtrayd reads")

// decodeSealed reads what encodeSealed wrote. It does not wipe b.
func decodeSealed(b []byte) (importer.Secrets, error) {
	var s importer.Secrets
	const k = len(importer.Key{})
	if len(b) < 1+k || b[0] != sealedVersion || (len(b)-1-k)%(2*k) != 0 {
		return s, errSealedForm
	}
	copy(s.PrivateKey[:], b[1:1+k])
	var prev []byte
	for rest := b[1+k:]; len(rest) > 0; rest = rest[2*k:] {
		if prev != nil && bytes.Compare(prev, rest[:k]) >= 0 {
			wipeSecrets(&s)
			return importer.Secrets{}, fmt.Errorf("%w: the peers are not in order", errSealedForm)
		}
		prev = rest[:k]
		var pub, psk importer.Key
		copy(pub[:], rest[:k])
		copy(psk[:], rest[k:2*k])
		if s.PresharedKeys == nil {
			s.PresharedKeys = make(map[importer.Key]importer.Key)
		}
		s.PresharedKeys[pub] = psk
		clear(psk[:])
	}
	return s, nil
}
