package main

import (
	"context"
	"fmt"
	"io"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/client"
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
			fmt.Fprintf(stderr, "wgtrayd import: %s: %v%s\n", r.Source, err, hint("import", err))
			status = 1
			continue
		}
		fmt.Fprintf(stdout, "imported %s as %s; bring it up with `wgtrayd up %s`\n", r.Source, t.Name, t.Name)
		if r.Derived {
			fmt.Fprintf(stdout, "  (the file name is no tunnel name, so it was made into one; `wgtrayd rename %s NEW` renames it)\n", t.Name)
		}
		printNotApplied(stderr, r)
		if r.Rosenpass != nil && !turnRosenpassOn(c, t.Name, r.Rosenpass, stdout, stderr) {
			status = 1
		}
	}
	return status
}

// turnRosenpassOn turns Rosenpass on for the peer an imported tunnel's
// Rosenpass key was paired with, its endpoint at the peer's host, port 9999.
func turnRosenpassOn(c *client.Client, name string, rk *importer.RosenpassKey, stdout, stderr io.Writer) bool {
	ctx, cancel := context.WithTimeout(context.Background(), requestTimeout)
	defer cancel()
	peer := rk.Peer.String()
	if _, err := c.RosenpassOn(ctx, name, peer, rk.PublicKey, ""); err != nil {
		fmt.Fprintf(stderr, "wgtrayd import: %s: Rosenpass stays off: %v%s; turn it on with `wgtrayd rosenpass %s --peer %s --key FILE`\n",
			rk.File, err, hint("import", err), name, peer)
		return false
	}
	fmt.Fprintf(stdout, "  Rosenpass is on for peer %s with the key from %s: the tunnel is post-quantum, and no traffic flows until the exchange completes\n", peer, rk.File)
	return true
}
