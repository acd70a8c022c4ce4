//go:build !linux

package client

// keyringReachable is true where the keyring is part of the OS (Keychain,
// Credential Manager): errors surface from the calls themselves.
func keyringReachable() error { return nil }
