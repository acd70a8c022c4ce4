package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/wgtray/wgtray/importer"
)

const importUsage = `usage: wgtrayd import [--check] [--name NAME] FILE...

Import WireGuard tunnels from each FILE: a wg-quick .conf file, a .zip
bundle of them (one tunnel per .conf inside), a folder of them, or a PNG,
JPEG or GIF image of a QR code holding a config. The kind is found from the
content. In a bundle or folder, the server's Rosenpass public key beside
NAME.conf (NAME.pqpk, or NAME.rosenpass-public/pqpk with the peer's
WireGuard public key in wgpk beside it) turns Rosenpass on for that peer,
with its endpoint at the peer's host, port 9999. FILE - is
standard input. A tunnel is named after its file (wg0.conf gives wg0); a
file name that is no tunnel name gives a name made of it, lower case, with
spaces as "-", other characters dropped, at most 15 characters, numbered
-2, -3... if taken ("My Office VPN (Frankfurt, 2026).conf" gives
my-office-vpn-f). The output says which name each tunnel got.

  --check      only parse and validate, without the service: print each
               tunnel's normalized config with its keys hidden, and every
               problem as FILE:LINE: message; exit 0 only if all are valid
  --name NAME  the tunnel's name instead of the file's (exactly one tunnel;
               needed for standard input)
`

// stdin is what FILE - reads; tests replace it.
var stdin io.Reader = os.Stdin

func runImport(args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("import", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.Usage = func() { fmt.Fprint(stderr, importUsage) }
	check := flags.Bool("check", false, "only parse and validate")
	name := flags.String("name", "", "the tunnel name")
	files, err := parseInterleaved(flags, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fmt.Fprintf(stderr, "wgtrayd import: no FILE given\n%s", importUsage)
		return 2
	}

	var results []importer.Result
	for _, file := range files {
		results = append(results, importFile(file)...)
	}
	importer.MarkDuplicates(results)
	if *name != "" {
		if len(results) != 1 {
			fmt.Fprintf(stderr, "wgtrayd import: --name names one tunnel, but the files hold %d; "+
				"leave it out to name each tunnel after its file\n", len(results))
			return 2
		}
		if err := importer.ValidateName(*name); err != nil {
			fmt.Fprintf(stderr, "wgtrayd import: --name: %v\n", err)
			return 2
		}
		rename(&results[0], *name)
	}

	status := 0
	var valid []importer.Result
	for _, r := range results {
		if r.Err == nil && r.Name == "" && !*check {
			r.Err = errors.New("standard input has no file name to name the tunnel after; add --name NAME")
		}
		if r.Err != nil {
			printError(stderr, r)
			status = 1
			continue
		}
		valid = append(valid, r)
	}
	if len(results) > 1 {
		fmt.Fprintf(stderr, "wgtrayd import: %d of %d tunnels are valid\n", len(valid), len(results))
	}
	if *check {
		for _, r := range valid {
			title := fmt.Sprintf("tunnel %s", r.Name)
			if r.Name == "" {
				title = "unnamed tunnel (import it with --name NAME)"
			}
			fmt.Fprintf(stdout, "# %s from %s\n%s\n", title, r.Source, r.Config.RedactedString())
			if r.Rosenpass != nil {
				fmt.Fprintf(stdout, "# Rosenpass for peer %s with the key from %s\n\n", r.Rosenpass.Peer, r.Rosenpass.File)
			}
			printNotApplied(stderr, r)
		}
		return status
	}
	if len(valid) > 0 {
		status = max(status, importIntoService(valid, stdout, stderr))
	}
	return status
}

// parseInterleaved parses flags that may come before, between and after the
// file names, and returns the file names. "--" ends the flags.
func parseInterleaved(flags *flag.FlagSet, args []string) ([]string, error) {
	var files []string
	for {
		if err := flags.Parse(args); err != nil {
			return nil, err
		}
		rest := flags.Args()
		if len(rest) == 0 {
			return files, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(files, rest...), nil
		}
		files = append(files, rest[0])
		args = rest[1:]
	}
}

// importFile reads one FILE argument and imports what it holds. Standard
// input has no file name, so its tunnel gets no name from it.
func importFile(file string) []importer.Result {
	if file == "-" {
		const source = "stdin"
		results := readAndImport(source, stdin)
		for i := range results {
			if results[i].Source == source {
				results[i].Name = ""
			}
		}
		return results
	}
	f, err := os.Open(file)
	if err != nil {
		return []importer.Result{readFailure(file, err)}
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return importer.ImportDir(file, os.DirFS(file))
	}
	return readAndImport(file, f)
}

// readAndImport reads at most one byte more than any import may be, so that
// importer.Import reports a file that is too big.
func readAndImport(source string, r io.Reader) []importer.Result {
	data, err := io.ReadAll(io.LimitReader(r, importer.MaxImportSize+1))
	if err != nil {
		return []importer.Result{readFailure(source, err)}
	}
	return importer.Import(source, data)
}

// readFailure says why source could not be read, in the same words on
// every OS where the cause is a missing file.
func readFailure(source string, err error) importer.Result {
	msg := err.Error()
	if pathErr := (*fs.PathError)(nil); errors.As(err, &pathErr) {
		msg = pathErr.Err.Error()
	}
	if errors.Is(err, fs.ErrNotExist) {
		msg = "no such file or directory"
	}
	return importer.Result{Source: source, Err: importer.Errors{{File: source, Msg: "cannot read it: " + msg}}}
}

// rename gives a result the name from --name. A valid config whose only
// problem was its name is then fine.
func rename(r *importer.Result, name string) {
	r.Name, r.Derived = name, false
	var dupErr *importer.DuplicateNameError
	if r.Config != nil && errors.As(r.Err, &dupErr) {
		r.Err = nil
	}
}

// printError prints a result's problems, one a line, as FILE:LINE: message.
func printError(w io.Writer, r importer.Result) {
	var errs importer.Errors
	if errors.As(r.Err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(w, e)
		}
		return
	}
	fmt.Fprintf(w, "%s: %s\n", r.Source, r.Err)
}

// printNotApplied warns of what the config asks for that wgtray does not do.
func printNotApplied(w io.Writer, r importer.Result) {
	for _, note := range r.Config.NotApplied() {
		fmt.Fprintf(w, "wgtrayd import: %s: %s\n", r.Source, note)
	}
}
