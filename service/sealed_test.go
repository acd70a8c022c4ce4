package service

import (
	"bytes"
	"testing"

	"github.com/wgtray/wgtray/importer"
)

func TestSealedKeysRoundTrip(t *testing.T) {
	key := func(b byte) importer.Key { return importer.Key(bytes.Repeat([]byte{b}, 32)) }
	for _, s := range []importer.Secrets{
		{PrivateKey: key(1)},
		{PrivateKey: key(1), PresharedKeys: map[importer.Key]importer.Key{key(9): key(2), key(3): key(4)}},
	} {
		want := encodeSealed(s)
		got, err := decodeSealed(want)
		if err != nil {
			t.Fatal(err)
		}
		if again := encodeSealed(got); !bytes.Equal(again, want) {
			t.Errorf("round trip differs: %x\nwant %x", again, want)
		}
	}
}

func FuzzDecodeSealed(f *testing.F) {
	f.Add(encodeSealed(importer.Secrets{PrivateKey: importer.Key{1}, PresharedKeys: map[importer.Key]importer.Key{{2}: {3}}}))
	f.Add([]byte{sealedVersion})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decodeSealed(b)
		if err != nil {
			return
		}
		if again := encodeSealed(s); !bytes.Equal(again, b) {
			t.Errorf("decode(%x) encodes to %x", b, again)
		}
	})
}
