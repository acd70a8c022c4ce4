//go:build !windows

package tray

// iconData is the icon as the tray takes it: a PNG.
func iconData(png []byte) []byte { return png }
