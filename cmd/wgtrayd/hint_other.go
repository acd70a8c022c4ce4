//go:build !linux

package main

// noKeyringHint is the way out when the OS keyring (Credential Manager,
// Keychain) does not answer, which a shell cannot start.
const noKeyringHint = "or pass --key-store=file to keep the keys in a file only you can read"
