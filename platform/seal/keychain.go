package seal

import (
	"encoding/hex"
	"fmt"
)

// The System keychain, through the `security` tool: no cgo, and root may
// write there without a prompt. Sealed secrets are generic passwords of
// service keychainService, one account per tunnel name, kept as hex text.
const (
	systemKeychain  = "/Library/Keychains/System.keychain"
	keychainService = "wgtray"
)

// keychainAddScript is what `security -i` reads on its standard input to
// store secret under name: the secret travels through the pipe, never on a
// command line that ps shows. Tunnel names need no quoting. The caller
// wipes the script.
func keychainAddScript(name string, secret []byte) []byte {
	line := fmt.Appendf(nil, "add-generic-password -U -s %s -a %s -w ", keychainService, name)
	line = hex.AppendEncode(line, secret)
	return fmt.Appendf(line, " %s\n", systemKeychain)
}

// keychainFindArgs and keychainDeleteArgs are the arguments of `security`
// that read and delete the secret of name.
func keychainFindArgs(name string) []string {
	return []string{"find-generic-password", "-s", keychainService, "-a", name, "-w", systemKeychain}
}

func keychainDeleteArgs(name string) []string {
	return []string{"delete-generic-password", "-s", keychainService, "-a", name, systemKeychain}
}
