package importer

import (
	"bytes"
	"fmt"
	"strings"
)

// MaxImportSize is the largest file Import looks at: a phone photo of a QR
// code fits, and nothing it accepts is bigger.
const MaxImportSize = 32 << 20

// Result is one tunnel found in an imported file.
type Result struct {
	// Source names where the tunnel came from: the file name, or
	// FILE:ENTRY for a .conf file inside a .zip bundle.
	Source string
	// Name is the tunnel name taken from the file name (wg0.conf, wg0.png
	// and bundle.zip:folder/wg0.conf all give wg0), or derived from it
	// when the file name is no valid name (see TunnelName).
	Name string
	// Derived is set when Name was derived from a file name that is no
	// valid name itself: the service then picks the first free one of
	// Name, Name-2, Name-3... (api.CreateRequest.Unique).
	Derived bool
	// Config is the parsed, valid config; nil when the content is not one.
	Config *Config
	// Err is nil when the tunnel can be imported as Name. When Config is
	// nil, Err says what is wrong with the content: an Errors naming the
	// file (Source) and, for problems inside the config, the line and key.
	// When Config is set, Err is about the name only: a
	// *DuplicateNameError; a caller with a name from the user can still
	// import Config under that name.
	Err error
	// Rosenpass is the server's Rosenpass public key that came with the
	// config in a bundle or folder, paired with its peer; nil when none
	// came. The caller turns Rosenpass on for that peer after the import.
	Rosenpass *RosenpassKey
}

// DuplicateNameError is a tunnel whose name an earlier result of the same
// import already has.
type DuplicateNameError struct {
	Name  string
	First string // Source of the result that has the name
}

func (e *DuplicateNameError) Error() string {
	return fmt.Sprintf("the tunnel name %q is already taken by %s; rename one of the files", e.Name, e.First)
}

// Import reads a file the user picked: a wg-quick .conf, a .zip bundle of
// them (one Result per .conf entry), or a PNG, JPEG or GIF image of a QR
// code holding a config. The kind is detected from the content, not from
// the name; filename is used for the tunnel name and in messages. Import
// never returns an empty slice.
func Import(filename string, data []byte) []Result {
	switch {
	case len(data) > MaxImportSize:
		return []Result{failed(filename, fmt.Sprintf("the file is %s, more than the %s allowed; "+
			"choose a .conf file, a .zip bundle or a QR image", size(len(data)), size(MaxImportSize)))}
	case isZip(data):
		return importZip(filename, data)
	case isImage(data):
		text, err := DecodeQR(data)
		if err != nil {
			return []Result{failed(filename, err.Error())}
		}
		return []Result{importText(filename, filename, []byte(text))}
	default:
		return []Result{importText(filename, filename, data)}
	}
}

// isZip reports a local file header or, for an empty archive, the end of
// central directory record at the start.
func isZip(data []byte) bool {
	return bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06"))
}

func isImage(data []byte) bool {
	for _, magic := range []string{"\x89PNG\r\n\x1a\n", "\xff\xd8\xff", "GIF87a", "GIF89a"} {
		if bytes.HasPrefix(data, []byte(magic)) {
			return true
		}
	}
	return false
}

func importZip(filename string, data []byte) []Result {
	entries, err := ReadZip(data)
	if err != nil {
		return []Result{failed(filename, err.Error())}
	}
	keys := map[string]keyFile{}
	for _, e := range entries {
		if isRosenpassFile(e.Name) {
			keys[e.Name] = keyFile{data: e.Data, err: e.Err}
		}
	}
	where := func(name string) string { return filename + ":" + name }
	var results []Result
	for _, e := range entries {
		if isRosenpassFile(e.Name) {
			continue
		}
		if e.Err != nil {
			r := failed(where(e.Name), e.Err.Error())
			r.Name, r.Derived = TunnelName(e.Name)
			results = append(results, r)
			continue
		}
		r := importText(where(e.Name), e.Name, e.Data)
		pairRosenpass(&r, e.Name, keys, where)
		results = append(results, r)
	}
	MarkDuplicates(results)
	return results
}

// importText parses a config and names it after nameFrom.
func importText(source, nameFrom string, data []byte) Result {
	r := Result{Source: source}
	r.Name, r.Derived = TunnelName(nameFrom)
	r.Config, r.Err = Parse(source, data)
	return r
}

// failed is a Result for a file that yields no config.
func failed(source, msg string) Result {
	return Result{Source: source, Err: Errors{{File: source, Msg: msg}}}
}

// MarkDuplicates gives every valid result whose name an earlier one already
// has (ignoring case, as Windows and macOS file names do) a
// *DuplicateNameError. Derived names are left alone: the service numbers
// them. Import does this within a bundle; a caller importing
// several files at once calls it on all their results.
func MarkDuplicates(results []Result) {
	first := map[string]string{}
	for i := range results {
		r := &results[i]
		if r.Name == "" || r.Derived || r.Config == nil || r.Err != nil {
			continue
		}
		key := strings.ToLower(r.Name)
		if source, taken := first[key]; taken {
			r.Err = &DuplicateNameError{Name: r.Name, First: source}
			continue
		}
		first[key] = r.Source
	}
}
