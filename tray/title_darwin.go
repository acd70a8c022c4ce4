package tray

// setTitle does nothing on macOS: there the title is text beside the icon
// in the menu bar, too wide for a sentence; the tooltip says it.
func setTitle(string) {}
