package importer

import (
	"os"
	"testing"
)

// FuzzParse checks that no input panics, that no error quotes what may be a
// key, and that every config Parse accepts is valid and survives String and
// Parse unchanged, secrets split included.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"good", "bad"} {
		for _, file := range confFiles(f, dir) {
			data, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.conf", data)
		if err != nil {
			if _, ok := err.(Errors); !ok {
				t.Fatalf("error is %T, not Errors", err)
			}
			if keyLike(err.Error()) {
				t.Fatalf("the error quotes what may be a key: %v", err)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("Parse accepted a config Validate rejects: %v", err)
		}
		text := c.String()
		back, err := Parse("canonical.conf", []byte(text))
		if err != nil {
			t.Fatalf("canonical text does not parse: %v\n%s", err, text)
		}
		if !back.Equal(c) {
			t.Fatalf("round trip changed the config:\n%s\n---\n%s", text, back)
		}
		if again := back.String(); again != text {
			t.Fatalf("canonical text is not stable:\n%s\n---\n%s", text, again)
		}
		redacted, secrets := c.Redact()
		if err := redacted.ValidateRedacted(); err != nil {
			t.Fatalf("redacted config is invalid: %v", err)
		}
		whole, err := redacted.WithSecrets(secrets)
		if err != nil || !whole.Equal(c) {
			t.Fatalf("WithSecrets(Redact()) = %v, %v", whole, err)
		}
	})
}
