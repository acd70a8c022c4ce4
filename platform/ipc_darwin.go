package platform

import "golang.org/x/sys/unix"

// JoinOperators tells a user whom the service refuses how to become an
// operator.
const JoinOperators = "ask an administrator to run `sudo dseditgroup -o edit -a $USER -t user " + OperatorGroup + "`, then log out and in again"

// adminGroup: members of admin, the users macOS lets administer the
// computer, are admins of the service too.
const adminGroup = "admin"

// peerCred reads LOCAL_PEERCRED: the uid and groups of the process that
// connected.
func peerCred(fd int) (uint32, []uint32, error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return 0, nil, err
	}
	return cred.Uid, append([]uint32(nil), cred.Groups[:cred.Ngroups]...), nil
}
