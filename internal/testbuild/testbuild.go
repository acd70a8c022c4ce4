// Package testbuild builds the product's binaries for tests with the flags
// `make build` uses (-trimpath; cgo for the GUI only), so that the tests and
// the Makefile share one build cache: a cold `make test` compiles the GUI
// toolkit once for the binaries instead of once per test that runs them.
package testbuild

import (
	"os"
	"os/exec"
)

// The main packages, as `go build` takes them.
const (
	GUI    = "github.com/wgtray/wgtray"
	Daemon = "github.com/wgtray/wgtray/cmd/wgtrayd"
)

// Command is `go build` of pkg (GUI or Daemon) into the file out, with the
// go command on PATH.
func Command(pkg, out string) *exec.Cmd {
	cgo := "0"
	if pkg == GUI {
		cgo = "1"
	}
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED="+cgo)
	return cmd
}
