package platform

import "golang.org/x/sys/unix"

// peerCred reads LOCAL_PEERCRED: the uid and groups of the process that
// connected.
func peerCred(fd int) (uint32, []uint32, error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return 0, nil, err
	}
	gids := make([]uint32, 0, cred.Ngroups)
	for _, g := range cred.Groups[:cred.Ngroups] {
		gids = append(gids, g)
	}
	return cred.Uid, gids, nil
}
