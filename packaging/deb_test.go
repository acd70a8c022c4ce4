//go:build linux

// Package packaging tests the Linux packages that `make package` builds:
// the .deb is installed on this machine with dpkg, checked, removed and
// purged; the .rpm must hold the same files.
package packaging

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/wgtray/wgtray/service/api"
)

// The build is stamped with a version that exercises the translation to a
// package version (no '-' in it, sorts after v9.8.7).
const (
	stampVersion = "v9.8.7-1-gtest"
	stampCommit  = "test123"
	pkgVersion   = "9.8.7+1.gtest-1"
)

// iconSizes are the hicolor sizes the package must ship.
var iconSizes = []int{16, 22, 24, 32, 48, 64, 128, 256, 512}

var built struct {
	once     sync.Once
	dir      string
	deb, rpm string
	err      error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	os.Exit(code)
}

// packages runs `make package` once, into a directory of its own, and
// returns the .deb and the .rpm it built.
func packages(t *testing.T) (deb, rpm string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds both binaries and both packages; run without -short")
	}
	built.once.Do(func() {
		built.dir, built.err = os.MkdirTemp("", "wgtray-package-")
		if built.err != nil {
			return
		}
		dist := filepath.Join(built.dir, "dist")
		cmd := exec.Command("make", "-C", "..", "package",
			"BIN="+filepath.Join(built.dir, "bin"), "DIST="+dist,
			"VERSION="+stampVersion, "COMMIT="+stampCommit)
		cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
			return strings.HasPrefix(kv, "MAKEFLAGS=") || strings.HasPrefix(kv, "MFLAGS=") || strings.HasPrefix(kv, "MAKELEVEL=")
		})
		if out, err := cmd.CombinedOutput(); err != nil {
			built.err = fmt.Errorf("make package: %v\n%s", err, out)
			return
		}
		if built.deb, built.err = single(filepath.Join(dist, "*.deb")); built.err != nil {
			return
		}
		built.rpm, built.err = single(filepath.Join(dist, "*.rpm"))
	})
	if built.err != nil {
		t.Fatal(built.err)
	}
	return built.deb, built.rpm
}

func single(pattern string) (string, error) {
	m, err := filepath.Glob(pattern)
	if err != nil || len(m) != 1 {
		return "", fmt.Errorf("make package should build exactly one %s, found %v", filepath.Base(pattern), m)
	}
	return m[0], nil
}

func TestPackagesCarryTheStampedVersion(t *testing.T) {
	deb, rpm := packages(t)
	if got := output(t, "dpkg-deb", "--field", deb, "Version"); got != pkgVersion {
		t.Errorf(".deb version %q, want %q", got, pkgVersion)
	}
	if got := output(t, "rpm", "-qp", "--qf", "%{VERSION}-%{RELEASE}", rpm); got != pkgVersion {
		t.Errorf(".rpm version %q, want %q", got, pkgVersion)
	}
}

// entry is one file of a package as the package manager will create it.
type entry struct {
	Mode  string // as ls prints it
	Owner string // user/group
	Size  int64
	Link  string
}

func TestRPMHoldsTheSameFilesAsTheDeb(t *testing.T) {
	deb, rpm := packages(t)
	debFiles := debEntries(t, deb)
	rpmFiles := rpmEntries(t, rpm)
	if len(debFiles) == 0 {
		t.Fatal("the .deb holds no files")
	}
	for path, d := range debFiles {
		r, ok := rpmFiles[path]
		switch {
		case !ok:
			t.Errorf("%s is in the .deb but not in the .rpm", path)
		case r != d:
			t.Errorf("%s: .deb has %+v, .rpm has %+v", path, d, r)
		}
	}
	for path := range rpmFiles {
		if _, ok := debFiles[path]; !ok {
			t.Errorf("%s is in the .rpm but not in the .deb", path)
		}
	}

	debScripts := debControlFiles(t, deb)
	for script, rpmTag := range map[string]string{"postinst": "POSTIN", "prerm": "PREUN", "postrm": "POSTUN"} {
		want := strings.TrimSpace(debScripts[script])
		got := strings.TrimSpace(output(t, "rpm", "-qp", "--qf", "%{"+rpmTag+"}", rpm))
		if want == "" || got != want {
			t.Errorf("the .rpm's %s scriptlet differs from the .deb's %s:\n--- rpm\n%s\n--- deb\n%s", rpmTag, script, got, want)
		}
	}
}

// debEntries lists the files (not directories) of a .deb, from its data
// archive: what `dpkg-deb -c` prints.
func debEntries(t *testing.T, deb string) map[string]entry {
	t.Helper()
	files := map[string]entry{}
	readTar(t, exec.Command("dpkg-deb", "--fsys-tarfile", deb), func(h *tar.Header, _ io.Reader) {
		if h.Typeflag == tar.TypeDir {
			return
		}
		files[strings.TrimPrefix(h.Name, ".")] = entry{
			Mode:  h.FileInfo().Mode().String(),
			Owner: h.Uname + "/" + h.Gname,
			Size:  h.Size,
			Link:  h.Linkname,
		}
	})
	return files
}

func debControlFiles(t *testing.T, deb string) map[string]string {
	t.Helper()
	files := map[string]string{}
	readTar(t, exec.Command("dpkg-deb", "--ctrl-tarfile", deb), func(h *tar.Header, r io.Reader) {
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("read %s from the .deb's control archive: %v", h.Name, err)
		}
		files[strings.TrimPrefix(h.Name, "./")] = string(b)
	})
	return files
}

func readTar(t *testing.T, cmd *exec.Cmd, each func(*tar.Header, io.Reader)) {
	t.Helper()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", cmd, err)
	}
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("%s: %v", cmd, err)
		}
		each(h, tr)
	}
}

// rpmEntries lists the files (not directories) of an .rpm: `rpm -qlpv`.
func rpmEntries(t *testing.T, rpm string) map[string]entry {
	t.Helper()
	out := output(t, "rpm", "-qp", "--qf",
		"[%{FILEMODES:perms}\t%{FILEUSERNAME}/%{FILEGROUPNAME}\t%{FILESIZES}\t%{FILELINKTOS}\t%{FILENAMES}\n]", rpm)
	files := map[string]entry{}
	for line := range strings.Lines(out) {
		f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		if len(f) != 5 {
			t.Fatalf("rpm file list: unexpected line %q", line)
		}
		if strings.HasPrefix(f[0], "d") {
			continue
		}
		size, err := strconv.ParseInt(f[2], 10, 64)
		if err != nil {
			t.Fatalf("rpm file list: size in %q: %v", line, err)
		}
		mode := f[0]
		if mode[0] == '-' && f[3] != "" {
			mode = "L" + mode[1:]
		}
		files[f[4]] = entry{Mode: mode, Owner: f[1], Size: size, Link: f[3]}
	}
	return files
}

func TestDebInstallsRunsAndPurgesWithoutResidue(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("installs a package with dpkg: needs root")
	}
	deb, _ := packages(t)

	// Cleanups run last first: the package is purged before the lock goes.
	t.Cleanup(lockMachine(t))
	before := snapshot(t)
	t.Cleanup(func() {
		if installed() {
			if out, err := dpkg("--purge", "wgtray"); err != nil {
				t.Errorf("clean up: dpkg --purge wgtray: %v\n%s", err, out)
			}
		}
	})

	out, err := dpkg("--install", deb)
	t.Logf("dpkg --install:\n%s", out)
	if err != nil {
		t.Fatalf("dpkg --install: %v", err)
	}
	if !strings.Contains(string(out), "sudo usermod -aG wgtray USER") {
		t.Errorf("the postinst does not tell how to let a user connect tunnels")
	}
	if !strings.Contains(string(out), "start it as root with: wgtrayd run") {
		t.Errorf("without systemd, the postinst does not say how to start the service")
	}

	gid := checkGroup(t)
	checkFiles(t)
	checkStateDir(t, gid)
	checkUnits(t)
	checkDesktopEntries(t)
	checkVersions(t)
	checkServiceAsTheUnitRunsIt(t, gid)

	// Removing lifts the kill switch: its rules outlive the service by design,
	// and once the package is gone nothing would ever take them away.
	if out, err := inNetns(`nft add table inet wgtray && dpkg --remove wgtray && ! nft list table inet wgtray >/dev/null 2>&1`); err != nil {
		t.Fatalf("dpkg --remove, with kill-switch rules in place, and no rules after it: %v\n%s", err, out)
	}
	// Removing keeps the tunnels and the group, so reinstalling carries on.
	after := snapshot(t)
	if _, ok := after["/var/lib/wgtray"]; !ok {
		t.Errorf("dpkg --remove deleted the state directory /var/lib/wgtray; only purge may")
	}
	if _, err := user.LookupGroup("wgtray"); err != nil {
		t.Errorf("dpkg --remove deleted the group wgtray: %v", err)
	}
	diff(t, "dpkg --remove", before, after, "/var/lib/wgtray")

	if out, err := dpkg("--purge", "wgtray"); err != nil {
		t.Fatalf("dpkg --purge: %v\n%s", err, out)
	}
	diff(t, "dpkg --purge", before, snapshot(t), "")
	// The group stays, as Debian recommends for system accounts (see
	// postremove.sh), and tests of the service rely on it being there.
	if _, err := user.LookupGroup("wgtray"); err != nil {
		t.Errorf("dpkg --purge deleted the group wgtray: %v", err)
	}
}

// lockMachine waits until this machine has no wgtray installed and no
// state or socket directory in the default places, so that the test neither
// destroys someone's installation nor races another run of itself, and
// holds a lock that keeps other runs out until it is released.
func lockMachine(t *testing.T) (release func()) {
	t.Helper()
	f, err := os.OpenFile("/run/wgtray-package-test.lock", os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		t.Fatalf("open the test's lock: %v", err)
	}
	deadline := time.Now().Add(10 * time.Minute)
	for {
		var busy string
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			busy = "another run of this test holds /run/wgtray-package-test.lock"
		} else {
			busy = inTheWay()
			if busy == "" {
				return func() { f.Close() }
			}
			syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		}
		if time.Now().After(deadline) {
			f.Close()
			t.Fatalf("this machine is not clean for installing wgtray: %s", busy)
		}
		time.Sleep(2 * time.Second)
	}
}

func inTheWay() string {
	if installed() {
		return "the package wgtray is installed (remove it: dpkg --purge wgtray)"
	}
	for _, dir := range []string{"/var/lib/wgtray", "/run/wgtray"} {
		if _, err := os.Lstat(dir); err == nil {
			return dir + " exists (a wgtrayd ran with the default paths; stop it and remove the directory)"
		}
	}
	return ""
}

func installed() bool {
	out, _ := exec.Command("dpkg-query", "--show", "--showformat", "${db:Status-Status}", "wgtray").Output()
	s := strings.TrimSpace(string(out))
	return s != "" && s != "not-installed"
}

// dpkg runs dpkg with args in a network namespace of its own, so that
// nothing the maintainer scripts do can reach this machine's network.
func dpkg(args ...string) ([]byte, error) {
	return inNetns(`dpkg "$@"`, args...)
}

// inNetns runs a shell script with args in a new network namespace, holding
// dpkg's front-end lock the way apt does (waiting for another apt or dpkg
// to finish), so that the script may run dpkg.
func inNetns(script string, args ...string) ([]byte, error) {
	lock, err := os.OpenFile("/var/lib/dpkg/lock-frontend", os.O_CREATE|os.O_RDWR, 0o640)
	if err != nil {
		return nil, fmt.Errorf("open the dpkg front-end lock: %w", err)
	}
	defer lock.Close()
	wait := syscall.Flock_t{Type: syscall.F_WRLCK}
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(time.Second) {
		err := syscall.FcntlFlock(lock.Fd(), syscall.F_SETLK, &wait)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("dpkg is busy for 5 minutes: %w", err)
		}
	}
	cmd := exec.Command("unshare", append([]string{"--net", "--", "sh", "-ec", script, "sh"}, args...)...)
	cmd.Env = append(os.Environ(), "DPKG_FRONTEND_LOCKED=1", "DEBIAN_FRONTEND=noninteractive")
	return cmd.CombinedOutput()
}

func checkGroup(t *testing.T) int {
	t.Helper()
	g, err := user.LookupGroup("wgtray")
	if err != nil {
		t.Fatalf("the postinst did not create the group wgtray: %v", err)
	}
	gid, _ := strconv.Atoi(g.Gid)
	if gid <= 0 || gid >= 1000 {
		t.Errorf("group wgtray has gid %d, want a system group (1..999)", gid)
	}
	return gid
}

// checkFiles compares what dpkg installed with what the package must hold.
func checkFiles(t *testing.T) {
	t.Helper()
	want := map[string]fs.FileMode{
		"/usr/bin/wgtrayd":                                  0o755,
		"/usr/bin/wgtray":                                   0o755,
		"/usr/bin/wgtray-window":                            0o755,
		"/usr/lib/systemd/system/wgtrayd.service":           0o644,
		"/usr/lib/systemd/system/wgtray-killswitch.service": 0o644,
		"/usr/share/applications/wgtray.desktop":            0o644,
		"/etc/xdg/autostart/wgtray.desktop":                 0o644,
	}
	for _, size := range iconSizes {
		want[fmt.Sprintf("/usr/share/icons/hicolor/%dx%d/apps/wgtray.png", size, size)] = 0o644
	}
	listed := map[string]bool{}
	for line := range strings.Lines(output(t, "dpkg-query", "--listfiles", "wgtray")) {
		path := strings.TrimSpace(line)
		if fi, err := os.Lstat(path); err == nil && !fi.IsDir() {
			listed[path] = true
		}
	}
	for path, mode := range want {
		if !listed[path] {
			t.Errorf("dpkg does not list %s as the package's", path)
		}
		checkOwner(t, path, mode, 0, 0)
	}
	for path := range listed {
		if _, ok := want[path]; !ok {
			t.Errorf("the package installs %s, which this test does not know", path)
		}
	}
	for _, size := range iconSizes {
		path := fmt.Sprintf("/usr/share/icons/hicolor/%dx%d/apps/wgtray.png", size, size)
		f, err := os.Open(path)
		if err != nil {
			continue
		}
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != size || cfg.Height != size {
			t.Errorf("%s: %dx%d (%v), want a %dx%d PNG", path, cfg.Width, cfg.Height, err, size, size)
		}
	}
}

func checkOwner(t *testing.T, path string, mode fs.FileMode, uid, gid int) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	st := fi.Sys().(*syscall.Stat_t)
	if fi.Mode().Perm() != mode || int(st.Uid) != uid || int(st.Gid) != gid {
		t.Errorf("%s: mode %o owner %d:%d, want mode %o owner %d:%d", path, fi.Mode().Perm(), st.Uid, st.Gid, mode, uid, gid)
	}
}

func checkStateDir(t *testing.T, gid int) {
	t.Helper()
	fi, err := os.Stat("/var/lib/wgtray")
	if err != nil || !fi.IsDir() {
		t.Fatalf("the postinst did not create the state directory /var/lib/wgtray: %v", err)
	}
	checkOwner(t, "/var/lib/wgtray", 0o700, 0, gid)
}

// checkUnits verifies the installed units with systemd's own tools (the
// service manager does not run here) and that they are enabled, so that they
// start once the machine boots with systemd.
func checkUnits(t *testing.T) {
	t.Helper()
	dir := "/usr/lib/systemd/system/"
	for _, unit := range []string{"wgtrayd.service", "wgtray-killswitch.service"} {
		cmd := exec.Command("systemd-analyze", "verify", "--man=no", dir+unit)
		if out, err := cmd.CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("systemd-analyze verify %s: %v\n%s", unit, err, out)
		}
	}
	cmd := exec.Command("systemd-analyze", "security", "--offline=yes", "--threshold=25", dir+"wgtrayd.service")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("wgtrayd.service is less hardened than it should be (exposure above 2.5): %v\n%s", err, out)
	}

	unit := readUnit(t, dir+"wgtrayd.service")
	for key, want := range map[string]string{
		"ExecStart":               "/usr/bin/wgtrayd run",
		"CapabilityBoundingSet":   "CAP_NET_ADMIN",
		"Group":                   "wgtray",
		"RuntimeDirectory":        "wgtray",
		"RuntimeDirectoryMode":    "0750",
		"StateDirectory":          "wgtray",
		"StateDirectoryMode":      "0700",
		"ProtectSystem":           "strict",
		"DeviceAllow":             "/dev/net/tun rw /dev/tpmrm0 rw",
		"RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6 AF_NETLINK",
	} {
		if got := strings.Join(unit[key], " "); got != want {
			t.Errorf("wgtrayd.service: %s=%s, want %s", key, got, want)
		}
	}

	for _, link := range []string{
		"/etc/systemd/system/multi-user.target.wants/wgtrayd.service",
		"/etc/systemd/system/sysinit.target.wants/wgtray-killswitch.service",
	} {
		if target, err := os.Readlink(link); err != nil || !strings.HasSuffix(target, "/"+filepath.Base(link)) {
			t.Errorf("the postinst did not enable %s: %s -> %q (%v)", filepath.Base(link), link, target, err)
		}
	}
}

// readUnit reads a unit file's settings; a key given twice keeps both.
func readUnit(t *testing.T, path string) map[string][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	unit := map[string][]string{}
	for line := range strings.Lines(string(b)) {
		key, value, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && !strings.HasPrefix(key, "#") {
			unit[key] = append(unit[key], value)
		}
	}
	return unit
}

func checkDesktopEntries(t *testing.T) {
	t.Helper()
	for path, wantExec := range map[string]string{
		"/usr/share/applications/wgtray.desktop": "wgtray %F",
		"/etc/xdg/autostart/wgtray.desktop":      "wgtray --hidden",
	} {
		if out, err := exec.Command("desktop-file-validate", path).CombinedOutput(); err != nil || len(out) > 0 {
			t.Errorf("desktop-file-validate %s: %v\n%s", path, err, out)
		}
		entry := readUnit(t, path)
		if got := strings.Join(entry["Exec"], " "); got != wantExec {
			t.Errorf("%s: Exec=%s, want %s", path, got, wantExec)
		}
		if got := strings.Join(entry["Icon"], " "); got != "wgtray" {
			t.Errorf("%s: Icon=%s, want wgtray (the hicolor icon)", path, got)
		}
	}
}

func checkVersions(t *testing.T) {
	t.Helper()
	want := "wgtray " + stampVersion + " (" + stampCommit + ")"
	for _, args := range [][]string{{"/usr/bin/wgtrayd", "--version"}, {"/usr/bin/wgtray", "--version"}, {"/usr/bin/wgtray-window", "--version"}} {
		out, err := exec.Command(args[0], args[1:]...).Output()
		if got := strings.TrimSpace(string(out)); err != nil || got != want {
			t.Errorf("%s: %q (%v), want %q", strings.Join(args, " "), got, err, want)
		}
	}
}

// checkServiceAsTheUnitRunsIt starts the installed wgtrayd the way
// wgtrayd.service does where systemd is not there to do it: as root with
// only the unit's capabilities, the primary group wgtray, umask 077 and no
// new privileges, in a network namespace of its own. The socket directory
// and the socket must then be reachable by the group wgtray and nobody else.
func checkServiceAsTheUnitRunsIt(t *testing.T, gid int) {
	t.Helper()
	caps := boundingSet(readUnit(t, "/usr/lib/systemd/system/wgtrayd.service"))
	cmd := exec.Command("sh", "-c", `umask 077 && exec "$@"`, "sh",
		"unshare", "--net", "--",
		"setpriv", "--bounding-set=-all,"+strings.Join(caps, ","), "--regid=wgtray", "--clear-groups", "--no-new-privs", "--",
		"/usr/bin/wgtrayd", "run")
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}
	logFile, err := os.Create(filepath.Join(t.TempDir(), "wgtrayd.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	log := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatalf("start wgtrayd run: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() {
		if cmd.ProcessState != nil {
			return
		}
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			t.Errorf("wgtrayd run did not stop within 10s of SIGTERM")
			cmd.Process.Kill()
			<-exited
		}
	}
	defer stop()

	const sock = "/run/wgtray/wgtray.sock"
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if fi, err := os.Lstat(sock); err == nil && fi.Mode().Type() == fs.ModeSocket {
			break
		}
		select {
		case err := <-exited:
			exited <- err
			t.Fatalf("wgtrayd run exited (%v) before listening on %s:\n%s", err, sock, log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("wgtrayd run did not listen on %s within 15s:\n%s", sock, log())
		}
	}
	checkOwner(t, "/run/wgtray", 0o750, 0, gid)
	checkOwner(t, sock, 0o660, 0, gid)

	hc := http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", sock)
		},
	}}
	resp, err := hc.Get("http://wgtrayd/v1/version")
	if err != nil {
		t.Fatalf("GET /v1/version from the installed service: %v\n%s", err, log())
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), stampCommit) {
		t.Errorf("GET /v1/version: %s %s, want 200 with the commit %s", resp.Status, body, stampCommit)
	}
	checkTunnelAndKillSwitch(t, log)
	stop()
	if _, err := os.Lstat(sock); err == nil {
		t.Errorf("wgtrayd left its socket %s behind after SIGTERM", sock)
	}
}

// checkTunnelAndKillSwitch drives the running service with the installed
// command line as root: a tunnel comes up (TUN device, addresses, routes,
// UAPI socket) and the kill switch blocks (nftables), so the unit's
// capabilities are enough for the real work. The keys live in a file store
// in a home directory of the test's own.
func checkTunnelAndKillSwitch(t *testing.T, log func() string) {
	t.Helper()
	home := t.TempDir()
	cli := func(args ...string) string {
		t.Helper()
		cmd := exec.Command("/usr/bin/wgtrayd", append([]string{"--key-store=file"}, args...)...)
		cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + home, "XDG_CONFIG_HOME=" + filepath.Join(home, ".config")}
		out, err := cmd.Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("wgtrayd %s: %v\n%s%s\nservice log:\n%s", strings.Join(args, " "), err, out, stderr, log())
		}
		return string(out)
	}
	name := fmt.Sprintf("wgpk%04x", rand.Uint32N(1<<16))
	conf := filepath.Join(home, name+".conf")
	text := fmt.Sprintf("[Interface]\nPrivateKey = %s\nAddress = 10.213.7.2/24\n\n[Peer]\nPublicKey = %s\nAllowedIPs = 10.213.7.0/24\nEndpoint = 192.0.2.1:51820\n", randomKey(), randomKey())
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cli("import", conf)
	cli("up", name)
	var st api.Status
	if err := json.Unmarshal([]byte(cli("status", "--json")), &st); err != nil {
		t.Fatalf("wgtrayd status --json: %v", err)
	}
	i := slices.IndexFunc(st.Tunnels, func(ts api.TunnelStatus) bool { return ts.Name == name })
	if i < 0 || st.Tunnels[i].State != api.StateUp || st.Tunnels[i].Interface == nil || st.Tunnels[i].Interface.Name == "" {
		t.Errorf("with the unit's capabilities, tunnel %s is not up: %+v\nservice log:\n%s", name, st.Tunnels, log())
	}
	if out := cli("killswitch", "always"); !strings.Contains(out, "blocking:    yes") {
		t.Errorf("with the unit's capabilities, the kill switch does not block:\n%s\nservice log:\n%s", out, log())
	}
	checkBootKillSwitch(t)
	cli("killswitch", "off")
	cli("down", name)
	cli("remove", name)
}

// checkBootKillSwitch runs what wgtray-killswitch.service runs at boot, with
// that unit's capabilities, in a fresh network namespace standing for a
// machine that just booted: the rules the service saved come back.
func checkBootKillSwitch(t *testing.T) {
	t.Helper()
	unit := readUnit(t, "/usr/lib/systemd/system/wgtray-killswitch.service")
	script := `setpriv --bounding-set=-all,` + strings.Join(boundingSet(unit), ",") + ` --no-new-privs -- ` +
		strings.Join(unit["ExecStart"], " ") + ` && nft list table inet wgtray >/dev/null`
	out, err := exec.Command("unshare", "--net", "--", "sh", "-ec", script).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "blocking") {
		t.Errorf("wgtray-killswitch.service's command did not restore the kill switch (%s): %v\n%s", script, err, out)
	}
}

// boundingSet turns a unit's CapabilityBoundingSet into setpriv's form.
func boundingSet(unit map[string][]string) []string {
	var caps []string
	for _, c := range unit["CapabilityBoundingSet"] {
		for _, name := range strings.Fields(c) {
			caps = append(caps, "+"+strings.ToLower(strings.TrimPrefix(name, "CAP_")))
		}
	}
	return caps
}

// randomKey is a WireGuard key: any 32 bytes, in base64.
func randomKey() string {
	var k [32]byte
	for i := range k {
		k[i] = byte(rand.Uint32())
	}
	return base64.StdEncoding.EncodeToString(k[:])
}

// fileState is what the residue check compares: a path's type, mode and
// owner (content changes, such as a regenerated icon cache, are not residue).
type fileState struct {
	mode     fs.FileMode
	uid, gid uint32
	link     string
}

// snapshot lists every file under the places a package installs to, leaving
// out the package database and what other programs on this machine change
// all the time.
func snapshot(t *testing.T) map[string]fileState {
	t.Helper()
	skip := map[string]bool{
		"/var/lib/dpkg": true, "/var/lib/apt": true, "/var/cache": true,
		"/etc/netns": true, // ip netns of concurrent tests
	}
	files := map[string]fileState{}
	for _, root := range []string{"/etc", "/usr", "/opt", "/var/lib", "/run/wgtray"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err != nil {
				return err
			}
			if skip[path] || d.Name() == "__pycache__" {
				return filepath.SkipDir
			}
			if filepath.Dir(path) == "/etc" && !d.IsDir() && shadowFile(d.Name()) {
				return nil
			}
			fi, err := d.Info()
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			if err != nil {
				return err
			}
			st := fi.Sys().(*syscall.Stat_t)
			s := fileState{mode: fi.Mode(), uid: st.Uid, gid: st.Gid}
			if fi.Mode().Type() == fs.ModeSymlink {
				s.link, _ = os.Readlink(path)
			}
			files[path] = s
			return nil
		})
		if err != nil {
			t.Fatalf("snapshot %s: %v", root, err)
		}
	}
	return files
}

// shadowFile tells the files that shadow's tools (useradd, groupadd, ...)
// keep or briefly create in /etc whenever a test on this machine adds a
// user: backups (passwd-), new copies (passwd+), locks (passwd.lock,
// .pwd.lock) and per-process lock links (passwd.1234).
func shadowFile(name string) bool {
	if name == ".pwd.lock" {
		return true
	}
	for _, db := range []string{"passwd", "group", "shadow", "gshadow", "subuid", "subgid"} {
		rest, ok := strings.CutPrefix(name, db)
		if !ok {
			continue
		}
		if rest == "-" || rest == "+" || rest == ".lock" {
			return true
		}
		if pid, ok := strings.CutPrefix(rest, "."); ok {
			if _, err := strconv.Atoi(pid); err == nil {
				return true
			}
		}
	}
	return false
}

// diff reports every path that differs between two snapshots, except those
// under keep.
func diff(t *testing.T, what string, before, after map[string]fileState, keep string) {
	t.Helper()
	kept := func(p string) bool { return keep != "" && (p == keep || strings.HasPrefix(p, keep+"/")) }
	var lines []string
	for p, a := range after {
		b, ok := before[p]
		switch {
		case kept(p):
		case !ok:
			lines = append(lines, "left behind: "+p)
		case a != b:
			lines = append(lines, fmt.Sprintf("changed: %s %v %d:%d -> %v %d:%d", p, b.mode, b.uid, b.gid, a.mode, a.uid, a.gid))
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			lines = append(lines, "removed: "+p)
		}
	}
	slices.Sort(lines)
	for _, l := range lines {
		t.Errorf("%s: %s", what, l)
	}
}

func output(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			err = fmt.Errorf("%w: %s", err, ee.Stderr)
		}
		t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out))
}
