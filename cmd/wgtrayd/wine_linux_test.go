package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/importer"
)

// The Windows lane of make test (internal/winetest) runs the Windows build of
// wgtrayd under Wine: the service on its real named pipe with its real
// security descriptor, the command line against it, keys in Credential
// Manager. Outside that lane the variables are unset and these tests skip.
type wineDaemon struct {
	exe, prefix, pipe, state string
}

func newWineDaemon(t *testing.T) *wineDaemon {
	t.Helper()
	dir, exe := os.Getenv("WGTRAY_WINEPREFIX"), os.Getenv("WGTRAY_WINDOWS_DAEMON")
	if dir == "" || exe == "" {
		t.Skip("runs in the Windows lane (make test-windows), which sets WGTRAY_WINEPREFIX and WGTRAY_WINDOWS_DAEMON")
	}
	suffix := make([]byte, 4)
	rand.Read(suffix)
	return &wineDaemon{
		exe:    exe,
		prefix: filepath.Join(dir, "prefix"),
		pipe:   `\\.\pipe\wgtray-wine-` + hex.EncodeToString(suffix),
		// Wine's drive Z: is the Linux root.
		state: "Z:" + filepath.Join(t.TempDir(), "state"),
	}
}

func (w *wineDaemon) command(ctx context.Context, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "/usr/lib/wine/wine64", append([]string{w.exe}, args...)...)
	cmd.Env = append(os.Environ(),
		"WINEPREFIX="+w.prefix, "WINEDEBUG=-all", "WINELOADER=/usr/lib/wine/wine64",
		"WGTRAY_SOCKET="+w.pipe, "WGTRAY_STATE_DIR="+w.state)
	return cmd
}

// start runs `wgtrayd.exe run` until the test ends and waits until the
// command line reaches it.
func (w *wineDaemon) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	run := w.command(ctx, "run")
	log, err := os.Create(filepath.Join(t.TempDir(), "wgtrayd.log"))
	if err != nil {
		t.Fatal(err)
	}
	run.Stdout, run.Stderr = log, log
	if err := run.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { run.Wait(); close(exited) }()
	output := func() string { data, _ := os.ReadFile(log.Name()); return string(data) }
	t.Cleanup(func() {
		cancel()
		<-exited
		log.Close()
		if t.Failed() {
			t.Logf("wgtrayd.exe run:\n%s", output())
		}
	})
	// Under Wine 8 the first client of a new pipe can connect before the
	// server waits for one, and then its writes hang; later clients are
	// served. So the first tries get a short time each.
	deadline := time.Now().Add(90 * time.Second)
	for {
		_, err := w.run(t, 10*time.Second, "list")
		if err == nil {
			return
		}
		select {
		case <-exited:
			t.Fatalf("wgtrayd.exe run exited:\n%s", output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("wgtrayd.exe does not answer on %s: %v", w.pipe, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// cli runs `wgtrayd.exe ARGS...` and returns what it printed. The output
// goes to a file, not a pipe: a wineserver that the command starts inherits
// the command's descriptors and would hold a pipe open for as long as it
// runs.
func (w *wineDaemon) cli(t *testing.T, args ...string) (string, error) {
	t.Helper()
	return w.run(t, 60*time.Second, args...)
}

func (w *wineDaemon) run(t *testing.T, timeout time.Duration, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := w.command(ctx, args...)
	cmd.Stdout, cmd.Stderr = f, f
	err = cmd.Run()
	out, _ := os.ReadFile(f.Name())
	return string(out), err
}

func (w *wineDaemon) mustCLI(t *testing.T, args ...string) string {
	t.Helper()
	out, err := w.cli(t, args...)
	if err != nil {
		t.Fatalf("wgtrayd.exe %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

func TestWineServiceKeepsKeysInCredentialManagerAndSaysWhyUpFails(t *testing.T) {
	w := newWineDaemon(t)
	w.start(t)

	key, err := importer.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	peer, err := importer.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	name := "wine" + hex.EncodeToString(key[:3])
	conf := "[Interface]\nPrivateKey = " + key.String() + "\nAddress = 10.77.0.2/32\n\n" +
		"[Peer]\nPublicKey = " + peer.Public().String() + "\nEndpoint = 192.0.2.7:51820\nAllowedIPs = 10.77.0.0/24\n"
	file := filepath.Join(t.TempDir(), name+".conf")
	if err := os.WriteFile(file, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}

	w.mustCLI(t, "import", "Z:"+file)
	if out := w.mustCLI(t, "list"); !strings.Contains(out, name) {
		t.Fatalf("list after import does not show %s:\n%s", name, out)
	}
	// The state directory holds the config without its key.
	err = filepath.WalkDir(strings.TrimPrefix(w.state, "Z:"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err == nil && strings.Contains(string(data), key.String()) {
			t.Errorf("%s holds the private key", path)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// The key comes back from Credential Manager.
	if out := w.mustCLI(t, "export", name); !strings.Contains(out, "PrivateKey = "+key.String()) {
		t.Errorf("export does not give the private key back:\n%s", out)
	}

	// Wine has neither the Wintun driver nor the filtering engine: up fails
	// with a sentence that says so, not with a crash or a raw error.
	out, err := w.cli(t, "up", name)
	if err == nil {
		t.Fatalf("up succeeded under Wine:\n%s", out)
	}
	if !strings.Contains(strings.ToLower(out), "wintun") {
		t.Errorf("up does not name what is missing:\n%s", out)
	}
	if strings.Count(out, "bring up "+name) > 1 {
		t.Errorf("up says the same thing twice:\n%s", out)
	}
	for _, raw := range []string{"panic", "goroutine ", "0x"} {
		if strings.Contains(out, raw) {
			t.Errorf("up prints %q:\n%s", raw, out)
		}
	}

	w.mustCLI(t, "remove", name)
	if out := w.mustCLI(t, "list"); strings.Contains(out, name) {
		t.Errorf("list after remove still shows %s:\n%s", name, out)
	}
	// Removing deletes the keys: a new import of the same name without a
	// key in the file cannot export one.
	if out, err := w.cli(t, "export", name); err == nil {
		t.Errorf("export after remove succeeded:\n%s", out)
	}
}
