// Package ipc is the service's local socket (a unix socket on Linux and
// macOS, a named pipe on Windows) and who is at the other end of it, as the
// OS says: user, admin, operator.
package ipc

// OperatorGroup is the group whose members may use the service on Linux and
// macOS.
const OperatorGroup = "wgtray"

// Peer is what the OS says about the process at the other end of a local
// connection. Nothing in it comes from the client.
type Peer struct {
	UID  string // decimal uid on Unix, the SID on Windows
	Name string // the user name, when it can be looked up
	// Admin is uid 0 or a member of Administrators.
	Admin bool
	// Operator is a member of OperatorGroup (Network Configuration
	// Operators on Windows).
	Operator bool
}
