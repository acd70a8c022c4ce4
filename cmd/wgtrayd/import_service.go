package main

import (
	"context"
	"fmt"
	"io"

	"github.com/wgtray/wgtray/importer"
)

// importIntoService imports valid tunnels into the running service: every
// result has Err nil and a Config and a Name (runImport has printed the
// invalid ones). The service gets each config without its keys, the key
// store (the keyring, or the file store with --key-store=file) gets the
// keys. It reports each tunnel on stdout and problems on stderr, and
// returns the exit status.
func importIntoService(results []importer.Result, stdout, stderr io.Writer) int {
	c, err := newClient(stderr)
	if err != nil {
		fmt.Fprintf(stderr, "wgtrayd import: %v\n", err)
		return 2
	}
	status := 0
	for _, r := range results {
		ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
		importFn := c.Import
		if r.Derived {
			importFn = c.ImportDerived
		}
		t, err := importFn(ctx, r.Name, r.Config)
		cancel()
		if err != nil {
			fmt.Fprintf(stderr, "wgtrayd import: %s: %v%s\n", r.Source, err, hint(err))
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "imported %s as %s; bring it up with `wgtrayd up %s`\n", r.Source, t.Name, t.Name)
		if r.Derived {
			fmt.Fprintf(stdout, "  (the file name is no tunnel name, so it was made into one; `wgtrayd rename %s NEW` renames it)\n", t.Name)
		}
		printNotApplied(stderr, r)
	}
	return status
}
