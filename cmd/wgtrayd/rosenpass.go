package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/wgtray/wgtray/service/client"

	"github.com/wgtray/wgtray/internal/atomicfile"
)

const rosenpassUsage = "rosenpass NAME --export FILE | rosenpass NAME --peer PUBKEY --key FILE [--endpoint HOST:PORT] | rosenpass NAME --peer PUBKEY --off"

// rosenpassCmd exports the tunnel's Rosenpass public key, or turns
// Rosenpass on or off for one of its peers.
var rosenpassCmd = simple("rosenpass", rosenpassUsage,
	func(fs *flag.FlagSet) {
		fs.String("export", "", "write the tunnel's Rosenpass public key (524,160 bytes) to FILE, for the server's admin")
		fs.String("peer", "", "the WireGuard public key of the peer")
		fs.String("key", "", "the peer's Rosenpass public key file (pqpk)")
		fs.String("endpoint", "", "where the peer's Rosenpass listens (default: the peer's host, port 9999)")
		fs.Bool("off", false, "turn Rosenpass off for the peer")
	},
	func(ctx context.Context, c *client.Client, fs *flag.FlagSet, stdout, _ io.Writer) error {
		name, err := oneName(fs)
		if err != nil {
			return err
		}
		str := func(n string) string { return fs.Lookup(n).Value.String() }
		export, peer, key, off := str("export"), str("peer"), str("key"), str("off") == "true"
		switch {
		case export != "" && peer == "":
			pk, err := c.RosenpassPublicKey(ctx, name)
			if err != nil {
				return err
			}
			if err := atomicfile.Write(export, pk, 0o644); err != nil {
				return fmt.Errorf("write %s: %w", export, err)
			}
			fmt.Fprintf(stdout, "wrote the Rosenpass public key of %s to %s; give it to the server's admin\n", name, export)
			return nil
		case peer != "" && off && key == "" && export == "":
			if _, err := c.RosenpassOff(ctx, name, peer); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Rosenpass is off for peer %s of %s from the next up\n", peer, name)
			return nil
		case peer != "" && key != "" && !off && export == "":
			pk, err := os.ReadFile(key)
			if err != nil {
				return fmt.Errorf("read the peer's Rosenpass public key: %w", err)
			}
			if _, err := c.RosenpassOn(ctx, name, peer, pk, str("endpoint")); err != nil {
				return err
			}
			fmt.Fprintf(stdout, "Rosenpass is on for peer %s of %s from the next up: its preshared key is Rosenpass's post-quantum key, and no traffic flows until the exchange completes\n", peer, name)
			return nil
		}
		return usageError("give --export FILE, or --peer PUBKEY with --key FILE or --off")
	})
