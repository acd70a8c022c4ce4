package tray

import (
	"log/slog"
	"sync"

	"github.com/godbus/dbus/v5"
)

const (
	notifyName  = "org.freedesktop.Notifications"
	notifyPath  = "/org/freedesktop/Notifications"
	notifyIface = "org.freedesktop.Notifications"
)

// DesktopNotifier sends notifications to the desktop's notification server
// over the session bus; a click on one calls the OnClick given.
type DesktopNotifier struct {
	log     *slog.Logger
	onClick func()

	once sync.Once
	conn *dbus.Conn
	mu   sync.Mutex
	ids  map[uint32]bool // the notifications this process sent
}

// NewNotifier returns a notifier; onClick runs when the user clicks one of
// its notifications.
func NewNotifier(log *slog.Logger, onClick func()) *DesktopNotifier {
	return &DesktopNotifier{log: log, onClick: onClick, ids: map[uint32]bool{}}
}

// Notify shows a notification; without a notification server it only logs.
func (n *DesktopNotifier) Notify(title, body string) {
	n.once.Do(n.connect)
	if n.conn == nil {
		n.log.Info("notification", "title", title, "body", body)
		return
	}
	var id uint32
	err := n.conn.Object(notifyName, notifyPath).Call(notifyIface+".Notify", 0,
		"wgtray", uint32(0), "wgtray", title, body, []string{"default", "Open wgtray"},
		map[string]dbus.Variant{"desktop-entry": dbus.MakeVariant("wgtray")}, int32(-1)).Store(&id)
	if err != nil {
		n.log.Info("notification not shown", "title", title, "body", body, "err", err)
		return
	}
	n.mu.Lock()
	n.ids[id] = true
	n.mu.Unlock()
}

// connect joins the session bus (shared with the tray) and listens for
// clicks on notifications.
func (n *DesktopNotifier) connect() {
	conn, err := dbus.SessionBus()
	if err != nil {
		n.log.Info("no notifications: no session bus", "err", err)
		return
	}
	n.conn = conn
	if err := conn.AddMatchSignal(dbus.WithMatchInterface(notifyIface), dbus.WithMatchObjectPath(notifyPath)); err != nil {
		n.log.Info("notification clicks are not followed", "err", err)
		return
	}
	signals := make(chan *dbus.Signal, 8)
	conn.Signal(signals)
	go func() {
		for s := range signals {
			if len(s.Body) < 1 {
				continue
			}
			id, _ := s.Body[0].(uint32)
			n.mu.Lock()
			mine := n.ids[id]
			delete(n.ids, id)
			n.mu.Unlock()
			if mine && s.Name == notifyIface+".ActionInvoked" {
				n.onClick()
			}
		}
	}()
}
