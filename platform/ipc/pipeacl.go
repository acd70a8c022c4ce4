package ipc

import (
	"errors"
	"fmt"
	"slices"
)

// Who may use the service on Windows, free of Windows calls so that it is
// tested on any OS. The named pipe's security descriptor lets only the roles
// connect at all; PeerOf then reads the roles from the client's token.

// Well-known SIDs.
const (
	sidLocalSystem    = "S-1-5-18"
	sidAdministrators = "S-1-5-32-544"
	// sidNetworkConfigurationOperators is the built-in group Windows made
	// for users who may change network settings without being admins.
	sidNetworkConfigurationOperators = "S-1-5-32-556"
)

// Attributes of a group in a token (SE_GROUP_*).
const (
	winGroupEnabled  = 0x4
	winGroupDenyOnly = 0x10
)

// pipeClientAccess is what a client asks of the pipe, and all an operator is
// granted: FILE_GENERIC_READ and FILE_WRITE_DATA. GENERIC_WRITE would hold
// FILE_CREATE_PIPE_INSTANCE too, with which an operator could serve
// instances of the service's pipe himself.
const pipeClientAccess = 0x0012008b

// pipeSDDL is the named pipe's security descriptor: LocalSystem and
// Administrators may do everything, Network Configuration Operators and the
// operator group (its SID, "" when the group does not exist) may connect,
// logons from the network may not, and nothing is inherited.
func pipeSDDL(operatorGroup string) string {
	sddl := fmt.Sprintf("D:P(D;;GA;;;NU)(A;;GA;;;SY)(A;;GA;;;BA)(A;;0x%x;;;NO)", pipeClientAccess)
	if operatorGroup != "" {
		sddl += fmt.Sprintf("(A;;0x%x;;;%s)", pipeClientAccess, operatorGroup)
	}
	return sddl
}

// winGroup is a group in a Windows access token.
type winGroup struct {
	SID        string
	Attributes uint32
}

// winPeer turns a token's user and groups into roles. Only enabled groups
// count: an administrator whose process is not elevated holds Administrators
// for deny only, and is an operator at most.
func winPeer(user string, groups []winGroup, operatorGroup string) Peer {
	var enabled []string
	for _, g := range groups {
		if g.Attributes&winGroupEnabled != 0 && g.Attributes&winGroupDenyOnly == 0 {
			enabled = append(enabled, g.SID)
		}
	}
	p := Peer{UID: user}
	p.Admin = user == sidLocalSystem || slices.Contains(enabled, sidAdministrators)
	p.Operator = slices.Contains(enabled, sidNetworkConfigurationOperators) ||
		(operatorGroup != "" && slices.Contains(enabled, operatorGroup))
	return p
}

// Mandatory integrity levels: the last part of a token's S-1-16-N label.
const (
	integrityLow    = 0x1000
	integrityMedium = 0x2000
	integrityHigh   = 0x3000
	integritySystem = 0x4000
)

// winProcess is what a client learns of the process that serves the pipe,
// and of itself, from their tokens.
type winProcess struct {
	User         string
	Integrity    uint32
	AppContainer bool
}

// pipeServerTrusted decides whether a client (caller) may send its keys to
// the pipe whose owner is owner and which server serves (nil when the
// client could not read the server's token). A pipe that LocalSystem or
// Administrators own is the service's. Otherwise the pipe is trusted only
// when the process serving it runs as the caller itself, outside an
// AppContainer, at an integrity level not below the caller's: such a process
// can already read the caller's keyring, so trusting it admits no new
// attacker, while a low-integrity or sandboxed process of the same user, or
// anyone else, that took the pipe's name is refused.
func pipeServerTrusted(owner string, server *winProcess, caller winProcess) error {
	if owner == sidLocalSystem || owner == sidAdministrators {
		return nil
	}
	switch {
	case server == nil:
		return errors.New("it is not the system's, and who serves it cannot be read")
	case server.User != caller.User:
		return errors.New("it is served by another user")
	case server.AppContainer:
		return errors.New("it is served from an app container")
	case server.Integrity < caller.Integrity:
		return fmt.Errorf("it is served at a lower integrity level (%s) than this program's (%s)", integrityName(server.Integrity), integrityName(caller.Integrity))
	}
	return nil
}

func integrityName(level uint32) string {
	switch {
	case level >= integritySystem:
		return "system"
	case level >= integrityHigh:
		return "high"
	case level >= integrityMedium:
		return "medium"
	case level >= integrityLow:
		return "low"
	}
	return "untrusted"
}
