package tray

import (
	"log/slog"
	"os/exec"
	"strings"
	"syscall"
)

// DesktopNotifier shows Windows toast notifications through PowerShell's
// WinRT bridge, as the window toolkit does.
type DesktopNotifier struct {
	log *slog.Logger
}

// NewNotifier returns a notifier. Toasts sent this way cannot report a
// click back, so onClick is not called.
func NewNotifier(log *slog.Logger, _ func()) *DesktopNotifier {
	return &DesktopNotifier{log: log}
}

const toastScript = `[Windows.UI.Notifications.ToastNotificationManager, Windows.UI.Notifications, ContentType = WindowsRuntime] | Out-Null
$t = [Windows.UI.Notifications.ToastNotificationManager]::GetTemplateContent([Windows.UI.Notifications.ToastTemplateType]::ToastText02)
$x = $t.GetElementsByTagName("text")
$x.Item(0).AppendChild($t.CreateTextNode($env:WGTRAY_TITLE)) | Out-Null
$x.Item(1).AppendChild($t.CreateTextNode($env:WGTRAY_BODY)) | Out-Null
[Windows.UI.Notifications.ToastNotificationManager]::CreateToastNotifier("wgtray").Show([Windows.UI.Notifications.ToastNotification]::new($t))`

// Notify shows a toast; the texts go through the environment, so nothing
// in them is read as script.
func (n *DesktopNotifier) Notify(title, body string) {
	cmd := exec.Command("powershell.exe", "-NoProfile", "-NonInteractive", "-Command", "-")
	cmd.Stdin = strings.NewReader(toastScript)
	cmd.Env = append(cmd.Environ(), "WGTRAY_TITLE="+title, "WGTRAY_BODY="+body)
	cmd.SysProcAttr = &syscall.SysProcAttr{HideWindow: true}
	if out, err := cmd.CombinedOutput(); err != nil {
		n.log.Info("notification not shown", "title", title, "err", err, "output", string(out))
	}
}
