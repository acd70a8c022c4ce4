// Package testbuild builds the product's binaries for tests with the flags
// `make build` uses (-trimpath; cgo for the window only), so that the tests and
// the Makefile share one build cache: a cold `make test` compiles the GUI
// toolkit once for the binaries instead of once per test that runs them.
package testbuild

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The main packages, as `go build` takes them: the tray agent (wgtray),
// the window it starts (wgtray-window) and the service with the command
// line (wgtrayd).
const (
	Agent  = "github.com/wgtray/wgtray"
	Window = "github.com/wgtray/wgtray/cmd/wgtray-window"
	Daemon = "github.com/wgtray/wgtray/cmd/wgtrayd"
	// RosenpassCmd is go-rosenpass's own command (a go.mod tool), the
	// server side's Rosenpass in the end-to-end tests.
	RosenpassCmd = "cunicu.li/go-rosenpass/cmd"
)

// Command is `go build` of pkg (Agent, Window, Daemon or RosenpassCmd)
// into the file out, with the go command on PATH. Only the window links
// cgo (OpenGL).
func Command(pkg, out string) *exec.Cmd {
	cgo := "0"
	if pkg == Window {
		cgo = "1"
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
	return cmd
}

// built is what Binary built for this test binary: one directory, and
// each file's build error (nil once built).
var built struct {
	mu   sync.Mutex
	dir  string
	errs map[string]error
}

// Binary builds pkg once per test binary, into the file name in a
// directory every user may read (tests run the service as other users
// too), and returns its path. The binaries of one test binary share that
// directory, so the window lands beside the agent, where the agent looks
// for it. Main removes the directory after the tests.
func Binary(t testing.TB, pkg, name string) string {
	t.Helper()
	built.mu.Lock()
	defer built.mu.Unlock()
	if built.dir == "" {
		dir, err := os.MkdirTemp("", "wgtray-test-bin-")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o755); err != nil {
			os.Remove(dir)
			t.Fatal(err)
		}
		built.dir, built.errs = dir, map[string]error{}
	}
	out := filepath.Join(built.dir, name)
	err, done := built.errs[name]
	if !done {
		if msg, berr := Command(pkg, out).CombinedOutput(); berr != nil {
			err = fmt.Errorf("go build %s: %v\n%s", pkg, berr, msg)
		}
		built.errs[name] = err
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Main runs the tests, removes what Binary built and exits: the TestMain
// of a package whose tests call Binary.
func Main(m *testing.M) {
	code := m.Run()
	built.mu.Lock()
	if built.dir != "" {
		os.RemoveAll(built.dir)
	}
	built.mu.Unlock()
	os.Exit(code)
}

// Deps lists the packages that pkg links when built for goos, pkg itself
// included: with cgo for the window and the agent (listing needs no C
// compiler for goos; the agent's systray needs cgo on macOS), without for
// the service.
func Deps(pkg, goos string) ([]string, error) {
	cgo := "0"
	if pkg == Window || pkg == Agent {
		cgo = "1"
	}
	cmd := exec.Command("go", "list", "-deps", pkg)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED="+cgo)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -deps %s for %s: %w", pkg, goos, err)
	}
	return strings.Fields(string(out)), nil
}

// PrivilegedDeps lists, as "goos: package", what pkg links for Linux,
// Windows or macOS of the code only the service needs (see privileged).
func PrivilegedDeps(pkg string) ([]string, error) {
	var found []string
	for _, goos := range []string{"linux", "windows", "darwin"} {
		deps, err := Deps(pkg, goos)
		if err != nil {
			return nil, err
		}
		for _, d := range deps {
			if privileged(d) {
				found = append(found, goos+": "+d)
			}
		}
	}
	return found, nil
}

// privileged reports whether the package path is code that only the service
// needs, which unprivileged programs must not link: the nftables and netlink
// libraries, and every package under platform/ but the socket or pipe
// (platform/ipc) and the paths (platform/paths).
func privileged(pkg string) bool {
	const platform = "github.com/wgtray/wgtray/platform"
	switch {
	case strings.Contains(pkg, "nftables"), strings.Contains(pkg, "netlink"):
		return true
	case pkg == platform+"/ipc", pkg == platform+"/paths":
		return false
	}
	return pkg == platform || strings.HasPrefix(pkg, platform+"/")
}

// Require skips t where the go command is not on PATH: in the Windows lane
// the test binaries run under Wine, which has no Go toolchain. The tests
// that build or list packages run in the Linux lane of the same make test.
func Require(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("needs the go command, which is not on PATH (the Windows lane under Wine); the Linux lane runs this test")
	}
}
