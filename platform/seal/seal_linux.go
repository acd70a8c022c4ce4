package seal

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	"github.com/wgtray/wgtray/internal/atomicfile"
)

// credPrefix starts the name systemd-creds embeds in each credential. With
// LoadCredentialEncrypted=wgtray:DIR systemd names the credential of file
// DIR/NAME "wgtray_NAME", and refuses a file whose embedded name differs: so
// a sealed key cannot be passed off as another tunnel's.
const credPrefix = "wgtray_"

// creds seals with systemd-creds into one file per name in dir. Its
// --with-key=auto takes the TPM2 and the host key together where the
// machine has a TPM2, the host key (/var/lib/systemd/credential.secret)
// alone where it has none.
type creds struct {
	tool string
	dir  string
	tpm  bool
	// handed are the credentials systemd decrypted for the service when it
	// started (LoadCredentialEncrypted=), in $CREDENTIALS_DIRECTORY.
	handed string

	mu sync.Mutex
	// resealed are the names sealed since the service started: the copy
	// systemd handed over for them is older than the file.
	resealed map[string]bool
}

// New opens the machine's secret store; on Linux sealed secrets are files
// in dir.
func New(dir string) (Store, error) {
	tool, err := exec.LookPath("systemd-creds")
	if err != nil {
		return nil, &UnavailableError{Missing: "systemd-creds (systemd 250 or newer) is not installed; install systemd, or start the tunnel at login instead"}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", dir, err)
	}
	c := &creds{tool: tool, dir: dir, handed: os.Getenv("CREDENTIALS_DIRECTORY"), resealed: map[string]bool{}}
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	// has-tpm2 exits 0 only when firmware, driver and systemd all support
	// a TPM2.
	c.tpm = exec.CommandContext(ctx, tool, "has-tpm2").Run() == nil
	return c, nil
}

func (c *creds) String() string {
	if c.tpm {
		return "systemd-creds with the TPM2 and the host key"
	}
	return "systemd-creds with the host key (this machine has no TPM2)"
}

func (c *creds) path(name string) string { return filepath.Join(c.dir, name) }

func (c *creds) run(stdin []byte, args ...string) ([]byte, error) {
	out, stderr, err := runTool(c.tool, stdin, args...)
	if err != nil {
		return nil, fmt.Errorf("systemd-creds %s: %w: %s", args[0], err, lastLine(stderr))
	}
	return out, nil
}

// lastLine is systemd-creds's message: it warns first (host key not on
// encrypted media), then says why it failed.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

func (c *creds) Seal(name string, secret []byte) error {
	// The secret goes through a pipe, never the command line.
	out, err := c.run(secret, "encrypt", "--with-key=auto", "--name="+credPrefix+name, "-", "-")
	if err != nil {
		return fmt.Errorf("seal the keys of %s: %w", name, err)
	}
	if err := atomicfile.Write(c.path(name), out, 0o600); err != nil {
		return fmt.Errorf("seal the keys of %s: %w", name, err)
	}
	c.mu.Lock()
	c.resealed[name] = true
	c.mu.Unlock()
	return nil
}

func (c *creds) Open(name string) ([]byte, error) {
	if _, err := os.Stat(c.path(name)); errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotSealed
	}
	c.mu.Lock()
	fresh := !c.resealed[name]
	c.mu.Unlock()
	if c.handed != "" && fresh {
		if b, err := os.ReadFile(filepath.Join(c.handed, credPrefix+name)); err == nil {
			return b, nil
		}
	}
	b, err := c.run(nil, "decrypt", "--name="+credPrefix+name, c.path(name), "-")
	if err != nil {
		return nil, fmt.Errorf("open the sealed keys of %s: %w", name, err)
	}
	return b, nil
}

func (c *creds) Remove(name string) error {
	if err := os.Remove(c.path(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove the sealed keys of %s: %w", name, err)
	}
	return nil
}

func (c *creds) Names() ([]string, error) { return fileNames(c.dir) }
