package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
)

const editUsage = `usage: wgtrayd edit NAME [FILE|-]

Replace the configuration of tunnel NAME. With FILE (- for standard
input) the new configuration is read from there; without, $VISUAL or
$EDITOR (else vi) opens the full configuration, keys from your keyring, in
a temporary file of mode 0600 that is removed afterwards.

The text is checked before anything is saved. From a FILE, every problem is
printed as FILE:LINE: message and nothing is saved (exit 1). In the
editor, the problems are appended to the text as comments and the editor
opens again, as crontab -e and kubectl edit do; quit it leaving the text
as it was (or with an editor that fails) to give up without saving.

A running tunnel takes the change at once: peer settings (keepalive,
endpoint, preshared key, allowed IPs with their routes, peers added or
removed) in place; interface settings (addresses, DNS, MTU, listen port,
private key) and a default route that comes or goes by a quick reconnect
(on Windows and macOS also any change of routes). The output says which.
`

// editMarker starts the comments edit appends to a text with problems;
// from there on the text is the command's, not the user's.
const editMarker = "# wgtrayd edit: NOT SAVED."

// maxEditRounds bounds how often the editor opens again for problems.
const maxEditRounds = 20

func runEdit(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || len(args) > 2 || strings.HasPrefix(args[0], "-") {
		fmt.Fprint(stderr, editUsage)
		return 2
	}
	name := args[0]
	c, err := newClient(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "wgtrayd edit: %v\n", err)
		return 2
	}
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	var cfg *importer.Config
	if len(args) == 2 {
		cfg, err = readEdit(args[1])
		if err != nil {
			fmt.Fprintln(stderr, err)
			fmt.Fprintf(stderr, "wgtrayd edit: %s not saved\n", name)
			return 1
		}
	} else {
		current, err := c.Export(ctx, name)
		if err != nil {
			fmt.Fprintf(stderr, "wgtrayd edit: %v%s\n", err, hint("edit", err))
			return 1
		}
		// The editor may take as long as the user likes.
		cancel()
		cfg, err = editInEditor(name, current.String(), stderr)
		if err != nil {
			fmt.Fprintf(stderr, "wgtrayd edit: %v\n", err)
			return 1
		}
		if cfg == nil {
			fmt.Fprintf(stdout, "%s: no changes\n", name)
			return 0
		}
		ctx, cancel = context.WithTimeout(context.Background(), requestTimeout)
		defer cancel()
	}
	res, err := c.Update(ctx, name, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "wgtrayd edit: %v%s\n", err, hint("edit", err))
		return 1
	}
	fmt.Fprintf(stdout, "%s: saved; %s\n", res.Name, appliedText(res.Applied))
	return 0
}

// appliedText says how an edit reached the tunnel, for people.
func appliedText(how api.Applied) string {
	switch how {
	case api.AppliedLive:
		return "applied to the running tunnel without a reconnect"
	case api.AppliedReconnected:
		return "the tunnel reconnected to apply it"
	case api.AppliedUnchanged:
		return "nothing the running tunnel uses changed"
	}
	return "it takes effect when the tunnel comes up"
}

// readEdit reads and checks a config from a file or standard input.
func readEdit(file string) (*importer.Config, error) {
	var data []byte
	var err error
	if file == "-" {
		data, err = io.ReadAll(io.LimitReader(stdin, importer.MaxConfigSize+1))
		file = "stdin"
	} else {
		data, err = os.ReadFile(file)
	}
	if err != nil {
		return nil, fmt.Errorf("wgtrayd edit: read %s: %w", file, err)
	}
	return importer.Parse(file, data)
}

// editInEditor opens text in the user's editor until it is a valid config
// or the user gives up. It returns nil for an unchanged text.
func editInEditor(name, text string, stderr io.Writer) (*importer.Config, error) {
	dir, err := os.MkdirTemp("", "wgtrayd-edit-")
	if err != nil {
		return nil, fmt.Errorf("make a temporary folder: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, name+".conf")
	original := text
	for range maxEditRounds {
		if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
			return nil, fmt.Errorf("write %s: %w", file, err)
		}
		if err := runEditor(file); err != nil {
			return nil, fmt.Errorf("%w; %s not saved", err, name)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", file, err)
		}
		edited := string(data)
		if edited == text && text != original {
			return nil, fmt.Errorf("the problems are still there and the text unchanged; %s not saved", name)
		}
		body, _, _ := strings.Cut(edited, editMarker)
		body = strings.TrimRight(body, "\n") + "\n"
		if body == strings.TrimRight(original, "\n")+"\n" {
			return nil, nil
		}
		cfg, err := importer.Parse(name+".conf", []byte(body))
		if err == nil {
			return cfg, nil
		}
		var list importer.Errors
		if !errors.As(err, &list) {
			list = importer.Errors{{Msg: err.Error()}}
		}
		var b strings.Builder
		b.WriteString(body)
		fmt.Fprintf(&b, "\n%s Fix these problems and save, or quit leaving the text as it is to give up:\n", editMarker)
		for _, e := range list {
			fmt.Fprintf(&b, "#   %s\n", e.Error())
			fmt.Fprintln(stderr, e.Error())
		}
		text = b.String()
	}
	return nil, fmt.Errorf("the editor opened %d times with problems left; %s not saved", maxEditRounds, name)
}

// runEditor runs $VISUAL or $EDITOR (which may hold arguments) on file,
// attached to the terminal.
func runEditor(file string) error {
	editor := os.Getenv("VISUAL")
	if editor == "" {
		editor = os.Getenv("EDITOR")
	}
	if editor == "" {
		editor = "vi"
	}
	args := strings.Fields(editor)
	cmd := exec.Command(args[0], append(args[1:], file)...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	// Ctrl-C is the editor's: wgtrayd stays to remove the file with the
	// keys, as git does while its editor runs.
	interrupts := make(chan os.Signal, 1)
	signal.Notify(interrupts, os.Interrupt)
	defer signal.Stop(interrupts)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("the editor %q failed: %w", editor, err)
	}
	return nil
}
