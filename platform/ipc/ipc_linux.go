package ipc

import "golang.org/x/sys/unix"

// JoinOperators tells a user whom the service refuses how to become an
// operator.
const JoinOperators = "ask an administrator to run `sudo usermod -aG " + OperatorGroup + " $USER`, then log in again"

// adminGroup: on Linux only root is admin.
const adminGroup = ""

// allowAdminGroup has nothing to open up: root reaches the socket anyway.
func allowAdminGroup(string, string, bool) error { return nil }

// peerCred reads SO_PEERCRED: the uid and primary gid of the process that
// connected.
func peerCred(fd int) (uint32, []uint32, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return 0, nil, err
	}
	return cred.Uid, []uint32{cred.Gid}, nil
}
