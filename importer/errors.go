package importer

import (
	"slices"
	"strconv"
	"strings"
)

// Error is one problem in a config. Line is 0 when no line applies (a
// config built in code, or a problem with the file as a whole); Key is the
// config key concerned, or empty.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

// Error prints FILE:LINE: Key: msg, leaving out what is empty.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if e.File != "" {
			b.WriteByte(':')
		}
		b.WriteString(strconv.Itoa(e.Line))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Errors is every problem found in a config, in the order of the file.
type Errors []*Error

// Error prints one error a line.
func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap lets errors.As find each *Error.
func (es Errors) Unwrap() []error {
	errs := make([]error, len(es))
	for i, e := range es {
		errs[i] = e
	}
	return errs
}

// maxErrors bounds the report for a file that is not a config at all.
const maxErrors = 20

// errorList collects errors up to maxErrors and counts the rest.
type errorList struct {
	file    string
	errs    Errors
	dropped int
}

func (l *errorList) add(line int, key, msg string) {
	if len(l.errs) >= maxErrors {
		l.dropped++
		return
	}
	l.errs = append(l.errs, &Error{File: l.file, Line: line, Key: key, Msg: msg})
}

// result returns the errors as an error, or nil when there are none.
func (l *errorList) result() error {
	if len(l.errs) == 0 {
		return nil
	}
	// Checks across keys run after the line-by-line ones.
	slices.SortStableFunc(l.errs, func(a, b *Error) int { return a.Line - b.Line })
	if l.dropped > 0 {
		l.errs = append(l.errs, &Error{File: l.file,
			Msg: strconv.Itoa(l.dropped) + " more errors not shown; fix the ones above first"})
		l.dropped = 0
	}
	return l.errs
}
