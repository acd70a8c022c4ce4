package tray

import (
	"log/slog"
	"os/exec"
)

// DesktopNotifier shows macOS notifications through osascript.
type DesktopNotifier struct {
	log *slog.Logger
}

// NewNotifier returns a notifier. Notifications sent this way cannot
// report a click back, so onClick is not called.
func NewNotifier(log *slog.Logger, _ func()) *DesktopNotifier {
	return &DesktopNotifier{log: log}
}

// Notify shows a notification; the texts are arguments of the script, so
// nothing in them is read as script.
func (n *DesktopNotifier) Notify(title, body string) {
	cmd := exec.Command("osascript", "-e", "on run argv", "-e", "display notification (item 2 of argv) with title (item 1 of argv)", "-e", "end run", title, body)
	if out, err := cmd.CombinedOutput(); err != nil {
		n.log.Info("notification not shown", "title", title, "err", err, "output", string(out))
	}
}
