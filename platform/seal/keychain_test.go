package seal

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
)

func TestKeychainSecretTravelsOnStandardInputOnly(t *testing.T) {
	secret := []byte{0xde, 0xad, 0xbe, 0xef, 0x00, 0x01}
	script := keychainAddScript("office", secret)
	want := "add-generic-password -U -s wgtray -a office -w deadbeef0001 /Library/Keychains/System.keychain\n"
	if string(script) != want {
		t.Errorf("script = %q\nwant %q", script, want)
	}
	for _, args := range [][]string{keychainFindArgs("office"), keychainDeleteArgs("office")} {
		line := strings.Join(args, " ")
		if strings.Contains(line, hex.EncodeToString(secret)) || bytes.Contains([]byte(line), secret) {
			t.Errorf("a command line holds the secret: %s", line)
		}
		if !strings.Contains(line, "-a office") || !strings.HasSuffix(line, systemKeychain) {
			t.Errorf("%s: not office's item in the System keychain", line)
		}
	}
}
