//go:build linux || darwin

package ipc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"
)

// ListenIPC listens on the unix socket path for the service. The socket's
// directory is created root:wgtray 0750 when missing, the socket itself is
// root:wgtray 0660, so only root and the operators (on macOS also the
// admins, through ACL entries) reach it at all; a stale socket left by a
// dead service is replaced, a live one is an error.
func ListenIPC(path string) (net.Listener, error) {
	gid := -1
	if g, err := user.LookupGroup(OperatorGroup); err == nil {
		gid, _ = strconv.Atoi(g.Gid)
	}
	dir := filepath.Dir(path)
	_, err := os.Stat(dir)
	// A directory of wgtray's own gets its mode and group on every start,
	// so a group created after the first start takes effect.
	ownDir := errors.Is(err, os.ErrNotExist) || filepath.Base(dir) == OperatorGroup
	if ownDir {
		mode := os.FileMode(0o750)
		if gid < 0 {
			mode = 0o700
		}
		if err := os.MkdirAll(dir, mode); err != nil {
			return nil, fmt.Errorf("create socket directory: %w", err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			return nil, fmt.Errorf("create socket directory: %w", err)
		}
		if gid >= 0 {
			if err := os.Chown(dir, 0, gid); err != nil {
				return nil, fmt.Errorf("give socket directory to group %s: %w", OperatorGroup, err)
			}
		}
	}
	if err := removeStaleSocket(path); err != nil {
		return nil, err
	}
	old := syscall.Umask(0o177)
	l, err := net.Listen("unix", path)
	syscall.Umask(old)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", path, err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(true)
	if gid >= 0 {
		if err := os.Chown(path, 0, gid); err != nil {
			l.Close()
			return nil, fmt.Errorf("give socket to group %s: %w", OperatorGroup, err)
		}
		if err := os.Chmod(path, 0o660); err != nil {
			l.Close()
			return nil, fmt.Errorf("set socket mode: %w", err)
		}
	}
	if err := allowAdminGroup(dir, path, ownDir); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

func removeStaleSocket(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check socket %s: %w", path, err)
	}
	if fi.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("%s exists and is not a socket; remove it or set WGTRAY_SOCKET", path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return fmt.Errorf("another wgtrayd is already listening on %s; stop it first", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("remove stale socket %s: %w", path, err)
	}
	return nil
}

// DialIPC connects to the service's socket.
func DialIPC(ctx context.Context, path string) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "unix", path)
}

// PeerOf asks the kernel who is at the other end of c.
func PeerOf(c net.Conn) (Peer, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return Peer{}, fmt.Errorf("peer credentials: %T is not a unix socket", c)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", err)
	}
	var (
		uid  uint32
		gids []uint32
		cerr error
	)
	err = raw.Control(func(fd uintptr) { uid, gids, cerr = peerCred(int(fd)) })
	if err == nil {
		err = cerr
	}
	if err != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", err)
	}
	return identify(uid, gids), nil
}

// identify turns the kernel's uid and gids into roles. The user's
// supplementary groups come from the group database, so a member of a
// group has its role even when the process did not pick up the group yet.
func identify(uid uint32, gids []uint32) Peer {
	p := Peer{UID: strconv.FormatUint(uint64(uid), 10), Admin: uid == 0}
	u, uerr := user.LookupId(p.UID)
	if uerr == nil {
		p.Name = u.Username
	}
	member := func(group string) bool {
		g, err := user.LookupGroup(group)
		if err != nil {
			return false
		}
		gid, err := strconv.ParseUint(g.Gid, 10, 32)
		if err != nil {
			return false
		}
		if slices.Contains(gids, uint32(gid)) {
			return true
		}
		if uerr != nil {
			return false
		}
		ids, err := u.GroupIds()
		return err == nil && slices.Contains(ids, g.Gid)
	}
	p.Operator = member(OperatorGroup)
	if adminGroup != "" && member(adminGroup) {
		p.Admin = true
	}
	return p
}
