package service

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/Microsoft/go-winio"
	"golang.org/x/sys/windows"

	"github.com/wgtray/wgtray/internal/winetest"
	"github.com/wgtray/wgtray/platform/ipc"
)

// listenTest listens on a test's pipe. Under Wine 8 the first client of a
// new pipe instance that go-winio made before serving can connect while its
// writes are never read: a throwaway client takes that instance before the
// server accepts, so the test's own clients are served.
func listenTest(t testing.TB, path string) net.Listener {
	t.Helper()
	l, err := ipc.ListenIPC(path)
	if err != nil {
		t.Fatal(err)
	}
	if winetest.UnderWine() {
		timeout := time.Second
		if c, err := winio.DialPipe(path, &timeout); err == nil {
			c.Close()
		}
	}
	return l
}

// testSocket is where a test's service listens: a named pipe of its own,
// since pipes live in one namespace for the whole machine.
func testSocket(string) string {
	suffix := make([]byte, 6)
	rand.Read(suffix)
	return `\\.\pipe\wgtray-test-` + hex.EncodeToString(suffix)
}

// The service's pipe carries its real security descriptor: the system and
// administrators may do everything, operators may read and write, network
// logons are denied, and there is no entry for everyone or all users.
func TestPipeIsNotForEveryone(t *testing.T) {
	h := startHarness(t, t.TempDir())
	c, err := winio.DialPipe(h.socket, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f, ok := c.(interface{ Fd() uintptr })
	if !ok {
		t.Fatalf("%T has no handle", c)
	}
	sd, err := windows.GetSecurityInfo(windows.Handle(f.Fd()), windows.SE_KERNEL_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Fatal(err)
	}
	sddl := sd.String()
	for _, want := range []string{"D:P", "(D;;GA;;;NU)", ";;;SY)", ";;;BA)", ";;;NO)"} {
		if !strings.Contains(sddl, want) {
			t.Errorf("pipe DACL %s lacks %s", sddl, want)
		}
	}
	for _, everyone := range []string{";;;WD)", ";;;BU)", ";;;AU)", ";;;IU)"} {
		if strings.Contains(sddl, everyone) {
			t.Errorf("pipe DACL %s lets %s connect", sddl, everyone)
		}
	}
	// A second service on the same pipe is refused; the first keeps it.
	// Wine 8 ignores FILE_FLAG_FIRST_PIPE_INSTANCE, so only Windows is
	// asked the first half.
	if !winetest.UnderWine() {
		if _, err := ipc.ListenIPC(h.socket); err == nil {
			t.Error("a second listener took over a live pipe")
		}
	}
	if _, err := testClient(t, h).Version(t.Context()); err != nil {
		t.Errorf("the first service lost its pipe: %v", err)
	}
}

// assertPrivateFile fails t unless only the system and administrators may
// open path: its ACL is the state directory's, inherited.
func assertPrivateFile(t *testing.T, path string) {
	t.Helper()
	assertOnlySystem(t, path, "(A;ID;FA;;;SY)", "(A;ID;FA;;;BA)")
}

// assertPrivateDir fails t unless only the system and administrators may
// open dir, and it inherits nothing from above.
func assertPrivateDir(t *testing.T, dir string) {
	t.Helper()
	assertOnlySystem(t, dir, "D:PAI", "(A;OICI;FA;;;SY)", "(A;OICI;FA;;;BA)")
}

func assertOnlySystem(t *testing.T, path string, want ...string) {
	t.Helper()
	sd, err := windows.GetNamedSecurityInfo(path, windows.SE_FILE_OBJECT, windows.DACL_SECURITY_INFORMATION)
	if err != nil {
		t.Errorf("%s: read its ACL: %v", path, err)
		return
	}
	sddl := sd.String()
	if winetest.UnderWine() {
		// Wine 8 keeps no ACL set on a file: it shows one made of the
		// Unix mode. MakeStateDir's own call did not fail.
		t.Logf("%s: Wine shows the ACL %s, not the one set", path, sddl)
		return
	}
	for _, w := range want {
		if !strings.Contains(sddl, w) {
			t.Errorf("%s: ACL %s lacks %s", path, sddl, w)
		}
	}
	if n := strings.Count(sddl, "(A;"); n != 2 {
		t.Errorf("%s: ACL %s allows %d entries, want the system and administrators only", path, sddl, n)
	}
}
