//go:build !linux

package app

// PrepareTray says whether a tray icon can work here: Windows and macOS
// always have one.
func PrepareTray() (enable bool, note string) { return true, "" }
