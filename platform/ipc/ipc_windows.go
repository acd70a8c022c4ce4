package ipc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"unsafe"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"
)

// JoinOperators tells a user whom the service refuses how to become an
// operator.
const JoinOperators = "ask an administrator to run `Add-LocalGroupMember -Group " + OperatorGroup + " -Member $env:USERNAME` in an elevated PowerShell, then sign out and in again"

// ListenIPC listens on the named pipe path. Its security descriptor
// (pipeSDDL) lets only LocalSystem, Administrators, Network Configuration
// Operators and the operator group connect; the pipe refuses remote clients,
// and creating it fails while any other process holds the name.
func ListenIPC(path string) (net.Listener, error) {
	l, err := winio.ListenPipe(path, &winio.PipeConfig{SecurityDescriptor: pipeSDDL(operatorGroupSID())})
	if err != nil {
		return nil, fmt.Errorf("listen on %s (is another wgtrayd running? stop it first): %w", path, err)
	}
	return l, nil
}

// DialIPC connects to the service's named pipe, asking only for read and
// write (pipeClientAccess), at the anonymous impersonation level: the
// server learns who calls from the calling process's token (PeerOf) and
// cannot act as the caller. Any user can create a pipe of that name while
// the service is not running, and the client sends private keys through
// it, so it talks only to a pipe that pipeServerTrusted trusts.
func DialIPC(ctx context.Context, path string) (net.Conn, error) {
	c, err := winio.DialPipeAccess(ctx, path, pipeClientAccess)
	if err != nil {
		// As a unix socket's dial fails, so that callers tell "not
		// running" (not exist) from "not allowed" (permission) alike.
		return nil, &net.OpError{Op: "dial", Net: "pipe", Err: err}
	}
	if err := checkPipeServer(c, path); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func checkPipeServer(c net.Conn, path string) error {
	h, err := pipeHandle(c)
	if err != nil {
		return err
	}
	sd, err := windows.GetSecurityInfo(h, windows.SE_KERNEL_OBJECT, windows.OWNER_SECURITY_INFORMATION)
	if err != nil {
		return fmt.Errorf("read the owner of %s: %w", path, err)
	}
	owner, _, err := sd.Owner()
	if err != nil {
		return fmt.Errorf("read the owner of %s: %w", path, err)
	}
	caller, err := tokenProcess(windows.GetCurrentProcessToken())
	if err != nil {
		return fmt.Errorf("read this program's own token: %w", err)
	}
	if err := pipeServerTrusted(owner.String(), pipeServer(h), caller); err != nil {
		return fmt.Errorf("%s belongs to %s, not to the system, and %v: another program poses as the wgtray service; stop it and start the service (sc start wgtrayd)", path, accountName(owner), err)
	}
	return nil
}

// pipeServer reads the token of the process that serves the pipe h; nil
// when it cannot (a service running as LocalSystem does not let users open
// its process, and needs no such look).
func pipeServer(h windows.Handle) *winProcess {
	var pid uint32
	if err := windows.GetNamedPipeServerProcessId(h, &pid); err != nil {
		return nil
	}
	proc, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return nil
	}
	defer windows.CloseHandle(proc)
	var tok windows.Token
	if err := windows.OpenProcessToken(proc, windows.TOKEN_QUERY, &tok); err != nil {
		return nil
	}
	defer tok.Close()
	p, err := tokenProcess(tok)
	if err != nil {
		return nil
	}
	return &p
}

// tokenIsAppContainer is TOKEN_INFORMATION_CLASS TokenIsAppContainer,
// which golang.org/x/sys/windows does not name.
const tokenIsAppContainer = 29

// tokenProcess reads a token's user, integrity level and whether it belongs
// to an app container.
func tokenProcess(tok windows.Token) (winProcess, error) {
	user, err := tok.GetTokenUser()
	if err != nil {
		return winProcess{}, fmt.Errorf("user: %w", err)
	}
	p := winProcess{User: user.User.Sid.String()}
	var n uint32
	_ = windows.GetTokenInformation(tok, windows.TokenIntegrityLevel, nil, 0, &n)
	if n == 0 {
		return winProcess{}, errors.New("integrity level: empty answer")
	}
	buf := make([]byte, n)
	if err := windows.GetTokenInformation(tok, windows.TokenIntegrityLevel, &buf[0], n, &n); err != nil {
		return winProcess{}, fmt.Errorf("integrity level: %w", err)
	}
	label := (*windows.Tokenmandatorylabel)(unsafe.Pointer(&buf[0])).Label.Sid
	if count := label.SubAuthorityCount(); count > 0 {
		p.Integrity = label.SubAuthority(uint32(count) - 1)
	}
	var container uint32
	if err := windows.GetTokenInformation(tok, tokenIsAppContainer, (*byte)(unsafe.Pointer(&container)), 4, &n); err == nil {
		p.AppContainer = container != 0
	}
	return p, nil
}

// PeerOf reads who is at the other end of the pipe from the token of the
// client's process: the pipe names the process, and the service, running as
// LocalSystem, may query any process's token. Impersonating the client
// instead would need a message read first.
func PeerOf(c net.Conn) (Peer, error) {
	h, err := pipeHandle(c)
	if err != nil {
		return Peer{}, err
	}
	var pid uint32
	if err := windows.GetNamedPipeClientProcessId(h, &pid); err != nil {
		return Peer{}, fmt.Errorf("pipe client: process: %w", err)
	}
	proc, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, pid)
	if err != nil {
		return Peer{}, fmt.Errorf("pipe client: open process %d: %w", pid, err)
	}
	defer windows.CloseHandle(proc)
	var tok windows.Token
	if err := windows.OpenProcessToken(proc, windows.TOKEN_QUERY, &tok); err != nil {
		return Peer{}, fmt.Errorf("pipe client: token of process %d: %w", pid, err)
	}
	defer tok.Close()
	user, err := tok.GetTokenUser()
	if err != nil {
		return Peer{}, fmt.Errorf("pipe client: user of process %d: %w", pid, err)
	}
	tg, err := tok.GetTokenGroups()
	if err != nil {
		return Peer{}, fmt.Errorf("pipe client: groups of process %d: %w", pid, err)
	}
	all := tg.AllGroups()
	groups := make([]winGroup, 0, len(all))
	for _, g := range all {
		groups = append(groups, winGroup{SID: g.Sid.String(), Attributes: g.Attributes})
	}
	p := winPeer(user.User.Sid.String(), groups, operatorGroupSID())
	p.Name = accountName(user.User.Sid)
	return p, nil
}

func pipeHandle(c net.Conn) (windows.Handle, error) {
	f, ok := c.(interface{ Fd() uintptr })
	if !ok {
		return 0, fmt.Errorf("pipe client: %T is not a named pipe", c)
	}
	return windows.Handle(f.Fd()), nil
}

// operatorGroupSID is the SID of the local or domain group whose members are
// operators: $WGTRAY_OPERATOR_GROUP in the service's environment, or
// OperatorGroup; "" when no such group exists.
func operatorGroupSID() string {
	name := os.Getenv("WGTRAY_OPERATOR_GROUP")
	if name == "" {
		name = OperatorGroup
	}
	sid, _, typ, err := windows.LookupSID("", name)
	if err != nil {
		return ""
	}
	switch typ {
	case windows.SidTypeGroup, windows.SidTypeAlias, windows.SidTypeWellKnownGroup:
		return sid.String()
	}
	return ""
}

func accountName(sid *windows.SID) string {
	account, domain, _, err := sid.LookupAccount("")
	if err == nil && account != "" {
		if domain != "" {
			return domain + `\` + account
		}
		return account
	}
	return sid.String()
}
