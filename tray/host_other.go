//go:build !linux

package tray

// HostNote says why no tray icon can show here: Windows and macOS always
// have a notification area or menu bar.
func HostNote() string { return "" }
