// Package testbuild builds the product's binaries for tests with the flags
// `make build` uses (-trimpath; cgo for the window only), so that the tests and
// the Makefile share one build cache: a cold `make test` compiles the GUI
// toolkit once for the binaries instead of once per test that runs them.
package testbuild

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// The main packages, as `go build` takes them: the tray agent (wgtray),
// the window it starts (wgtray-window) and the service with the command
// line (wgtrayd).
const (
	Agent  = "github.com/wgtray/wgtray"
	Window = "github.com/wgtray/wgtray/cmd/wgtray-window"
	Daemon = "github.com/wgtray/wgtray/cmd/wgtrayd"
)

// Command is `go build` of pkg (Agent, Window or Daemon) into the file
// out, with the go command on PATH. Only the window links cgo (OpenGL).
func Command(pkg, out string) *exec.Cmd {
	cgo := "0"
	if pkg == Window {
		cgo = "1"
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
	return cmd
}

// Deps lists the packages that pkg links when built for goos (without cgo,
// as the daemon is), pkg itself included.
func Deps(pkg, goos string) ([]string, error) {
	cmd := exec.Command("go", "list", "-deps", pkg)
	cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list -deps %s for %s: %w", pkg, goos, err)
	}
	return strings.Fields(string(out)), nil
}
