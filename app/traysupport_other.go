//go:build !linux

package app

// TraySupport says whether a tray icon can work here: Windows and macOS
// always have one.
func TraySupport() (enable bool, note string) { return true, "" }
