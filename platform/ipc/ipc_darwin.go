package ipc

import (
	"bytes"
	"fmt"
	"os/exec"

	"golang.org/x/sys/unix"
)

// JoinOperators tells a user whom the service refuses how to become an
// operator.
const JoinOperators = "ask an administrator to run `sudo dseditgroup -o edit -a $USER -t user " + OperatorGroup + "`, then log out and in again"

// adminGroup: members of admin, the users macOS lets administer the
// computer, are admins of the service too.
const adminGroup = "admin"

// allowAdminGroup lets the members of adminGroup reach the socket, which
// belongs to group wgtray: an ACL entry on the socket and, when the
// directory is wgtray's own, on the directory (its old entries go first,
// so restarts do not pile them up).
func allowAdminGroup(dir, sock string, ownDir bool) error {
	var calls [][]string
	if ownDir {
		calls = append(calls, []string{"-N", dir}, []string{"+a", "group:" + adminGroup + " allow search", dir})
	}
	calls = append(calls, []string{"+a", "group:" + adminGroup + " allow read,write", sock})
	for _, args := range calls {
		if out, err := exec.Command("/bin/chmod", args...).CombinedOutput(); err != nil {
			return fmt.Errorf("let group %s reach the socket (chmod %v): %w: %s", adminGroup, args, err, bytes.TrimSpace(out))
		}
	}
	return nil
}

// peerCred reads LOCAL_PEERCRED: the uid and groups of the process that
// connected.
func peerCred(fd int) (uint32, []uint32, error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return 0, nil, err
	}
	return cred.Uid, append([]uint32(nil), cred.Groups[:cred.Ngroups]...), nil
}
