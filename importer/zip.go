package importer

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Bundle limits. A provider's bundle of every server is some hundreds of
// .conf files of a few hundred bytes each; these leave room for that and stop
// a zip bomb after a few megabytes. Sizes are measured on the decompressed
// bytes, never taken from the archive's headers.
const (
	// MaxBundleSize is the largest .zip file ReadZip opens.
	MaxBundleSize = 8 << 20
	// MaxBundleEntries is the most entries (of any kind) a bundle may hold.
	MaxBundleEntries = 4096
	// MaxBundleTotal is the most bytes all .conf and Rosenpass key entries
	// of a bundle may decompress to together: 16 MiB of configs and room
	// for 16 Rosenpass public keys. Each .conf is also limited to
	// MaxConfigSize, each Rosenpass key file to its own size.
	MaxBundleTotal = 16<<20 + 16*RosenpassPublicKeySize
)

// ZipEntry is one .conf file of a bundle, or a Rosenpass key file beside
// one (NAME.pqpk, NAME.rosenpass-public/pqpk or .../wgpk).
type ZipEntry struct {
	Name string // the path inside the archive, as the archive spells it
	Data []byte // the decompressed file; nil when Err is set
	Err  error  // why this entry could not be read
}

// ReadZip returns the .conf files of a .zip bundle, and the Rosenpass key
// files beside them, in archive order, folders inside included. Other files, folders and macOS metadata (__MACOSX/,
// ._NAME) are skipped. A problem with one entry is that entry's Err and does
// not stop the others; the error is for the archive as a whole: not a zip,
// too big, too many entries, or no .conf file in it.
func ReadZip(data []byte) ([]ZipEntry, error) {
	if len(data) > MaxBundleSize {
		return nil, fmt.Errorf("the bundle is %s, more than the %s allowed; a bundle of tunnel configs is far smaller, so split it",
			size(len(data)), size(MaxBundleSize))
	}
	archive, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	// ErrInsecurePath (an entry named ../x or /x) is harmless here: nothing
	// is written to disk, names only become tunnel names.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return nil, fmt.Errorf("not a readable .zip file (%v); download or create the bundle again", err)
	}
	if len(archive.File) > MaxBundleEntries {
		return nil, fmt.Errorf("the bundle has %d entries, more than the %d allowed; split it into smaller bundles",
			len(archive.File), MaxBundleEntries)
	}
	var entries []ZipEntry
	var skipped []string
	budget := MaxBundleTotal
	confs := 0
	for _, f := range archive.File {
		if isKeyEntry(f) {
			e := ZipEntry{Name: f.Name}
			e.Data, e.Err = readEntry(f, rosenpassLimit(f.Name)-1, "a Rosenpass key file", &budget)
			entries = append(entries, e)
			continue
		}
		if !isConfEntry(f) {
			if !f.FileInfo().IsDir() && !isMacMetadata(f.Name) {
				skipped = append(skipped, f.Name)
			}
			continue
		}
		e := ZipEntry{Name: f.Name}
		e.Data, e.Err = readEntry(f, MaxConfigSize, "a WireGuard config", &budget)
		entries = append(entries, e)
		confs++
	}
	if confs == 0 {
		found := "it is empty"
		if len(skipped) > 0 {
			found = "it holds only " + strings.Join(clipList(skipped, 5), ", ")
		}
		return nil, fmt.Errorf("the bundle has no .conf file (%s); a bundle is a .zip of WireGuard .conf files", found)
	}
	return entries, nil
}

// isKeyEntry reports a Rosenpass key file.
func isKeyEntry(f *zip.File) bool {
	return !f.FileInfo().IsDir() && !isMacMetadata(f.Name) && isRosenpassFile(f.Name)
}

func isConfEntry(f *zip.File) bool {
	return !f.FileInfo().IsDir() && !isMacMetadata(f.Name) && strings.HasSuffix(strings.ToLower(f.Name), ".conf")
}

// isMacMetadata reports the resource-fork copies macOS's Archive Utility
// adds (__MACOSX/folder/._wg0.conf): they end in .conf but are not configs.
func isMacMetadata(name string) bool {
	base := name[strings.LastIndexAny(name, `/\`)+1:]
	return strings.HasPrefix(name, "__MACOSX/") || strings.HasPrefix(base, "._")
}

// readEntry decompresses one entry, stopping at maxSize (the most a file of
// its kind, what, may be) or at what is left of the bundle's budget,
// whichever is smaller.
func readEntry(f *zip.File, maxSize int, what string, budget *int) ([]byte, error) {
	if f.Flags&0x1 != 0 {
		return nil, errors.New("the file is encrypted; unpack the bundle with its password and import the .conf files")
	}
	if *budget == 0 {
		return nil, fmt.Errorf("the bundle's files decompress to more than %s together; split the bundle", size(MaxBundleTotal))
	}
	rc, err := f.Open()
	if errors.Is(err, zip.ErrAlgorithm) {
		return nil, fmt.Errorf("the file is compressed with method %d, which is not supported; create the bundle again with a standard zip tool (deflate)", f.Method)
	}
	if err != nil {
		return nil, fmt.Errorf("the file cannot be read (%v); download or create the bundle again", err)
	}
	defer rc.Close()
	limit := min(maxSize, *budget)
	data, err := io.ReadAll(io.LimitReader(rc, int64(limit)+1))
	*budget -= min(len(data), *budget)
	switch {
	case len(data) > maxSize:
		return nil, fmt.Errorf("the file decompresses to more than %s, too big for %s", size(maxSize), what)
	case len(data) > limit:
		return nil, fmt.Errorf("the bundle's files decompress to more than %s together; split the bundle", size(MaxBundleTotal))
	case err != nil:
		return nil, fmt.Errorf("the file is damaged (%v); download or create the bundle again", err)
	}
	return data, nil
}

// size prints a byte count the way a user reads it.
func size(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
}

// clipList returns the first n names, then how many more there are.
func clipList(names []string, n int) []string {
	if len(names) <= n {
		return names
	}
	return append(names[:n:n], fmt.Sprintf("and %d more", len(names)-n))
}
