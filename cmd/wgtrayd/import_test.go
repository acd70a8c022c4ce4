package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/internal/testbuild"
)

const testdata = "../../importer/testdata/"

// secretsOf lists the base64 private and preshared keys in a config file.
func secretsOf(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for line := range strings.Lines(string(data)) {
		key, value, ok := strings.Cut(line, "=")
		key = strings.TrimSpace(key)
		if ok && (key == "PrivateKey" || key == "PresharedKey") {
			secrets = append(secrets, strings.TrimSpace(value))
		}
	}
	return secrets
}

// runCLI runs wgtrayd in process with args and standard input in.
func runCLI(t *testing.T, in string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	stdin = strings.NewReader(in)
	t.Cleanup(func() { stdin = os.Stdin })
	var out, errOut bytes.Buffer
	code = dispatch(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestImportCheckPrintsEachTunnelWithSecretsHidden(t *testing.T) {
	code, stdout, stderr := runCLI(t, "", "import", "--check",
		testdata+"qr/office.conf", testdata+"qr/wg0.png", testdata+"qr/wg0-photo.jpg")
	wantErr := "wgtrayd import: 3 of 3 tunnels are valid\n" +
		"wgtrayd import: " + testdata + "qr/office.conf: PostUp, PreDown kept but not run: wgtray runs no scripts, as they would run as root\n"
	if code != 0 || stderr != wantErr {
		t.Fatalf("exit %d, stderr %q; want 0 and %q", code, stderr, wantErr)
	}
	for _, header := range []string{
		"# tunnel office from " + testdata + "qr/office.conf\n[Interface]\nPrivateKey = (hidden)\n",
		"# tunnel wg0 from " + testdata + "qr/wg0.png\n[Interface]\nPrivateKey = (hidden)\n",
		"# tunnel wg0-photo from " + testdata + "qr/wg0-photo.jpg\n",
		"PresharedKey = (hidden)\n",
		"Endpoint = [2001:db8:30::1]:51820\n",
	} {
		if !strings.Contains(stdout, header) {
			t.Errorf("output lacks %q:\n%s", header, stdout)
		}
	}
	for _, secret := range append(secretsOf(t, testdata+"qr/office.conf"), secretsOf(t, testdata+"qr/wg0.conf")...) {
		if strings.Contains(stdout, secret) {
			t.Errorf("output shows the secret %s", secret)
		}
	}
}

func TestImportCheckWarnsOfScriptsThatWillNotRun(t *testing.T) {
	file := testdata + "conf/good/table-off-split.conf"
	code, _, stderr := runCLI(t, "", "import", "--check", file)
	want := "wgtrayd import: " + file + ": PostUp, PreDown kept but not run: wgtray runs no scripts, as they would run as root\n"
	if code != 0 || stderr != want {
		t.Errorf("exit %d, stderr %q; want 0 and %q", code, stderr, want)
	}
}

func TestImportCheckPrintsEveryErrorAsFileLineMessageAndFails(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.conf")
	os.WriteFile(bad, []byte("[Interface]\nPrivateKey = short\n\n[Peer]\nEndpoint = 192.0.2.1\n"), 0o600)
	bundle := testdata + "zip/bundle.zip"
	code, stdout, stderr := runCLI(t, "", "import", "--check", bad, bundle, testdata+"qr/wg0.conf", filepath.Join(dir, "missing.conf"))
	if code != 1 {
		t.Errorf("exit %d, want 1", code)
	}
	for _, line := range []string{
		bad + ":2: PrivateKey: ",
		bad + ":5: Endpoint: ",
		bundle + ":broken/se-sto-wg-002.conf:10: Endpoint: ",
		bundle + `:se-sto-wg-001.conf: the tunnel name "se-sto-wg-001" is already taken by ` + bundle + ":old/se-sto-wg-001.conf",
		filepath.Join(dir, "missing.conf") + ": cannot read it: no such file or directory\n",
		"wgtrayd import: 4 of 8 tunnels are valid\n",
	} {
		if !strings.Contains(stderr, "\n"+line) && !strings.HasPrefix(stderr, line) {
			t.Errorf("errors lack a line starting %q:\n%s", line, stderr)
		}
	}
	if !strings.Contains(stdout, "# tunnel wg0 from "+testdata+"qr/wg0.conf\n") {
		t.Errorf("the valid tunnels are not printed:\n%s", stdout)
	}
}

func TestImportCheckReadsStandardInputAndTakesTheNameFromFlag(t *testing.T) {
	conf, err := os.ReadFile(testdata + "qr/wg0.conf")
	if err != nil {
		t.Fatal(err)
	}
	// Flags may follow the file.
	code, stdout, stderr := runCLI(t, string(conf), "import", "-", "--check", "--name", "home")
	if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "# tunnel home from stdin\n[Interface]\n") {
		t.Fatalf("exit %d, stdout %q, stderr %q; want the tunnel home from stdin", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, string(conf), "import", "--check", "-")
	if code != 0 || !strings.HasPrefix(stdout, "# unnamed tunnel (import it with --name NAME) from stdin\n") {
		t.Errorf("without --name: exit %d, stdout %q; want the unnamed tunnel", code, stdout)
	}
}

func TestImportWithoutNameForStandardInputSaysToAddOne(t *testing.T) {
	conf, err := os.ReadFile(testdata + "qr/wg0.conf")
	if err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, string(conf), "import", "-")
	if code != 1 || stderr != "stdin: standard input has no file name to name the tunnel after; add --name NAME\n" {
		t.Fatalf("exit %d, stderr %q; want 1 and a request for --name", code, stderr)
	}
}

func TestImportNamesADescriptiveFileAndNameNeedsOneTunnel(t *testing.T) {
	dir := t.TempDir()
	odd := filepath.Join(dir, "my home vpn.conf")
	conf, err := os.ReadFile(testdata + "qr/wg0.conf")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(odd, conf, 0o600)

	code, stdout, stderr := runCLI(t, "", "import", "--check", odd)
	if code != 0 || !strings.HasPrefix(stdout, "# tunnel my-home-vpn from ") {
		t.Errorf("descriptive file name: exit %d, stdout %q, stderr %q; want the tunnel my-home-vpn", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, "", "import", "--check", "--name", "home", odd)
	if code != 0 || !strings.HasPrefix(stdout, "# tunnel home from ") {
		t.Errorf("with --name: exit %d, stdout %q; want the tunnel home", code, stdout)
	}
	code, _, stderr = runCLI(t, "", "import", "--check", "--name", "home", testdata+"zip/bundle.zip")
	if code != 2 || !strings.Contains(stderr, "--name names one tunnel, but the files hold 5") {
		t.Errorf("--name with a bundle: exit %d, stderr %q; want 2", code, stderr)
	}
	code, _, stderr = runCLI(t, "", "import", "--check", "--name", "this name is bad", odd)
	if code != 2 || !strings.Contains(stderr, "--name: the tunnel name") {
		t.Errorf("invalid --name: exit %d, stderr %q; want 2", code, stderr)
	}
}

func TestImportNeedsAFile(t *testing.T) {
	if code, _, stderr := runCLI(t, "", "import", "--check"); code != 2 || !strings.Contains(stderr, "usage: wgtrayd import") {
		t.Errorf("exit %d, stderr %q; want 2 and the usage", code, stderr)
	}
}

// TestImportCheckBinaryReadsAPipe runs the built wgtrayd as a user would:
// a config and a QR image piped into `wgtrayd import --check -`.
func TestImportCheckBinaryReadsAPipe(t *testing.T) {
	testbuild.Require(t)
	bin := testbuild.Binary(t, testbuild.Daemon, "wgtrayd")
	for _, tc := range []struct {
		file, want string
		code       int
	}{
		{"qr/office.conf", "# tunnel office from stdin\n[Interface]\nPrivateKey = (hidden)\nListenPort = 51821\n", 0},
		{"qr/wg0.png", "# tunnel office from stdin\n[Interface]\nPrivateKey = (hidden)\nAddress = 10.64.12.7/32", 0},
		{"qr/wg0.png", "", 1}, // cut in half
	} {
		data, err := os.ReadFile(testdata + tc.file)
		if err != nil {
			t.Fatal(err)
		}
		if tc.code != 0 {
			data = data[:len(data)/2]
		}
		cmd := exec.Command(bin, "import", "--check", "--name", "office", "-")
		cmd.Stdin = bytes.NewReader(data)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err = cmd.Run()
		code := 0
		if exit := (*exec.ExitError)(nil); errors.As(err, &exit) {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != tc.code || !strings.HasPrefix(stdout.String(), tc.want) {
			t.Errorf("%s | wgtrayd import --check -: exit %d, stdout %q, stderr %q; want %d and %q",
				tc.file, code, stdout.String(), stderr.String(), tc.code, tc.want)
		}
		if tc.code != 0 && !strings.HasPrefix(stderr.String(), "stdin: the png image is damaged") {
			t.Errorf("damaged image: stderr %q, want it to name stdin and say the image is damaged", stderr.String())
		}
	}
}

// --check of a folder says which peer its Rosenpass key goes to, and a key
// of the wrong size fails that tunnel naming the key file.
func TestImportCheckOfAFolderSaysWhereItsRosenpassKeyGoes(t *testing.T) {
	conf, err := os.ReadFile(testdata + "qr/wg0.conf")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := importer.Parse("wg0.conf", conf)
	if err != nil || len(cfg.Peers) != 1 {
		t.Fatalf("testdata wg0.conf: %v, %d peers; want one peer", err, len(cfg.Peers))
	}
	tests := []struct {
		name, wantOut, wantErr string
		keySize, code          int
	}{
		{"good key", "# Rosenpass for peer " + cfg.Peers[0].PublicKey.String() + " with the key from ", "", importer.RosenpassPublicKeySize, 0},
		{"short key", "", "wg0.pqpk: the Rosenpass public key is 100 bytes, not 524160", 100, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "wg0.conf"), conf, 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "wg0.pqpk"), make([]byte, tc.keySize), 0o600); err != nil {
				t.Fatal(err)
			}
			code, stdout, stderr := runCLI(t, "", "import", "--check", dir)
			if code != tc.code || !strings.Contains(stdout, tc.wantOut) || !strings.Contains(stderr, tc.wantErr) {
				t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, %q, %q", code, stdout, stderr, tc.code, tc.wantOut, tc.wantErr)
			}
		})
	}
}
