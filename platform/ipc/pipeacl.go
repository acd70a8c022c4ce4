package ipc

import (
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
