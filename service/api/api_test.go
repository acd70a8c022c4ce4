package api

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestSecretDecodesOnlyA32ByteKey(t *testing.T) {
	const key = "+HEKC1gzD6J9I398fAiVxQCuESDUJxkLx+VWakQgaF4="
	var s Secret
	if err := json.Unmarshal([]byte(`"`+key+`"`), &s); err != nil {
		t.Fatalf("a real key: %v", err)
	}
	if b, _ := s.MarshalText(); string(b) != key {
		t.Errorf("round trip gives %s", b)
	}
	for _, bad := range []string{
		"",
		"AAAA",
		strings.Repeat("0", 48), // 36 bytes: once overran the decode buffer
		strings.Repeat("A", 4000),
		key[:43] + "!",
		"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", // 31 bytes
	} {
		var s Secret
		if err := s.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("%q decodes to a key", bad)
		}
	}
}
