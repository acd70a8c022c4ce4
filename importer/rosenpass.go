package importer

import (
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"path"
	"path/filepath"
	"strings"
)

// RosenpassPublicKeySize is the size of a Rosenpass public key (Classic
// McEliece 460896), as the Rust tools write it to a pqpk file.
const RosenpassPublicKeySize = 524160

// maxWgpkSize bounds a wgpk file: a base64 WireGuard key and a line break.
const maxWgpkSize = 256

// RosenpassKey is a server's Rosenpass public key found next to a .conf,
// paired with the peer it belongs to.
type RosenpassKey struct {
	File      string // where the key came from, for messages
	Peer      Key    // the WireGuard public key of the peer it belongs to
	PublicKey []byte // RosenpassPublicKeySize bytes
}

// PairRosenpassKey pairs the Rosenpass public key pqpk (read from file) with
// a peer of cfg. wgpk is the content of the wgpk file beside it (the peer's
// WireGuard public key in base64), nil when there is none; without it the
// config must have exactly one peer. The error names file and says what to
// do.
func PairRosenpassKey(file string, cfg *Config, pqpk, wgpk []byte) (*RosenpassKey, error) {
	if len(pqpk) != RosenpassPublicKeySize {
		return nil, fmt.Errorf("%s: the Rosenpass public key is %d bytes, not %d; use the server's pqpk file as rosenpass wrote it",
			file, len(pqpk), RosenpassPublicKeySize)
	}
	if wgpk == nil {
		if len(cfg.Peers) != 1 {
			return nil, fmt.Errorf("%s: the config has %d peers and no wgpk file says which one this Rosenpass key is for; "+
				"put the peer's WireGuard public key in a wgpk file beside it, or turn Rosenpass on for that peer once the tunnel is imported",
				file, len(cfg.Peers))
		}
		return &RosenpassKey{File: file, Peer: cfg.Peers[0].PublicKey, PublicKey: pqpk}, nil
	}
	peer, err := ParseKey(string(bytes.TrimSpace(wgpk)))
	if err != nil {
		return nil, fmt.Errorf("%s: its wgpk file holds no WireGuard public key (%v); write the peer's public key in base64 into it", file, err)
	}
	for _, p := range cfg.Peers {
		if p.PublicKey == peer {
			return &RosenpassKey{File: file, Peer: peer, PublicKey: pqpk}, nil
		}
	}
	return nil, fmt.Errorf("%s: its wgpk names peer %s, which the config has not; use the key files that came with this config", file, peer)
}

// rosenpassFiles are the names of the Rosenpass key files that go with
// NAME.conf in the same folder: the pqpk alone, or the Rust tools' folder
// with the pqpk and the wgpk.
func rosenpassFiles(confPath string) (pqpk, dirPqpk, dirWgpk string) {
	base := strings.TrimSuffix(confPath, path.Ext(confPath))
	return base + ".pqpk", base + ".rosenpass-public/pqpk", base + ".rosenpass-public/wgpk"
}

// isRosenpassFile reports a file name that can be a Rosenpass key file of
// a config: NAME.pqpk, NAME.rosenpass-public/pqpk or .../wgpk.
func isRosenpassFile(name string) bool {
	dir, base := path.Split(name)
	return strings.HasSuffix(base, ".pqpk") ||
		(base == "pqpk" || base == "wgpk") && strings.HasSuffix(strings.TrimSuffix(dir, "/"), ".rosenpass-public")
}

// rosenpassLimit is the most bytes read of a Rosenpass key file: one more
// than it may be, so that a wrong size shows.
func rosenpassLimit(name string) int {
	if path.Base(name) == "wgpk" {
		return maxWgpkSize
	}
	return RosenpassPublicKeySize + 1
}

// keyFile is a Rosenpass key file as read: its data, or why it could not
// be read.
type keyFile struct {
	data []byte
	err  error
}

// pairRosenpass adds the Rosenpass key that goes with r's config, if the
// files (by path, as read from the bundle or folder) hold one. A key that
// cannot be paired makes the result fail: importing the tunnel without the
// post-quantum key the server asks for would be a silent downgrade.
// where turns a file's path into how messages name it.
func pairRosenpass(r *Result, confPath string, files map[string]keyFile, where func(string) string) {
	if r.Config == nil {
		return
	}
	pqpk, dirPqpk, dirWgpk := rosenpassFiles(confPath)
	file, wgpk := pqpk, keyFile{}
	key, ok := files[pqpk]
	if !ok {
		if key, ok = files[dirPqpk]; !ok {
			return
		}
		file, wgpk = dirPqpk, files[dirWgpk]
	}
	fail := func(file string, err error) {
		r.Config, r.Err = nil, Errors{{File: where(file), Msg: strings.TrimPrefix(err.Error(), where(file)+": ")}}
	}
	switch {
	case key.err != nil:
		fail(file, key.err)
	case wgpk.err != nil:
		fail(dirWgpk, wgpk.err)
	default:
		rk, err := PairRosenpassKey(where(file), r.Config, key.data, wgpk.data)
		if err != nil {
			fail(file, err)
			return
		}
		r.Rosenpass = rk
	}
}

// ImportDir imports the .conf files of a folder (not of its sub-folders)
// with the Rosenpass public keys beside them (NAME.pqpk, or
// NAME.rosenpass-public/pqpk with its wgpk). dir names the folder in
// messages. Like Import, it never returns an empty slice.
func ImportDir(dir string, fsys fs.FS) []Result {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return []Result{failed(dir, fmt.Sprintf("cannot read the folder: %v", err))}
	}
	var results []Result
	var confs []string
	files := map[string]keyFile{}
	for _, e := range entries {
		name := e.Name()
		switch {
		case !e.IsDir() && strings.EqualFold(path.Ext(name), ".conf"):
			confs = append(confs, name)
		case !e.IsDir() && isRosenpassFile(name):
			files[name] = readKeyFile(fsys, name)
		case e.IsDir() && strings.HasSuffix(name, ".rosenpass-public"):
			for _, f := range []string{name + "/pqpk", name + "/wgpk"} {
				if _, err := fs.Stat(fsys, f); err == nil {
					files[f] = readKeyFile(fsys, f)
				}
			}
		}
	}
	if len(confs) == 0 {
		return []Result{failed(dir, "the folder has no .conf file; choose a folder of WireGuard .conf files")}
	}
	for _, name := range confs {
		source := filepath.Join(dir, name)
		data, err := readLimited(fsys, name, MaxConfigSize+1)
		if err != nil {
			results = append(results, failed(source, fmt.Sprintf("cannot read it: %v", err)))
			continue
		}
		r := importText(source, name, data)
		pairRosenpass(&r, name, files, func(f string) string { return filepath.Join(dir, filepath.FromSlash(f)) })
		results = append(results, r)
	}
	MarkDuplicates(results)
	return results
}

// readKeyFile reads a Rosenpass key file of fsys; one that is bigger
// than its kind may be is an error.
func readKeyFile(fsys fs.FS, name string) keyFile {
	limit := rosenpassLimit(name)
	data, err := readLimited(fsys, name, limit)
	switch {
	case err != nil:
		return keyFile{err: fmt.Errorf("cannot read it: %w", err)}
	case len(data) >= limit:
		return keyFile{err: fmt.Errorf("the file is bigger than %d bytes, too big for a Rosenpass key file", limit-1)}
	}
	return keyFile{data: data}
}

// readLimited reads at most limit bytes of a file of fsys.
func readLimited(fsys fs.FS, name string, limit int) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, int64(limit)))
}
