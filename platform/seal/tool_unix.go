//go:build !windows

package seal

import (
	"bytes"
	"context"
	"os/exec"
	"time"
)

// toolTimeout bounds one run of systemd-creds or security (a TPM can be
// slow).
const toolTimeout = 30 * time.Second

// runTool runs tool with args and stdin (where secrets go: never on the
// command line) and returns what it printed. On failure the output is
// wiped and stderr returned for the error.
func runTool(tool string, stdin []byte, args ...string) (stdout []byte, stderr string, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tool, args...)
	var out, errOut bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = bytes.NewReader(stdin), &out, &errOut
	if err := cmd.Run(); err != nil {
		clear(out.Bytes())
		return nil, errOut.String(), err
	}
	return out.Bytes(), errOut.String(), nil
}
