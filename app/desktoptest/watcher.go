// Package desktoptest stands in for the desktop in tests: a tray host
// (Watcher owns org.kde.StatusNotifierWatcher on a D-Bus session bus,
// records the items that register, and reads and clicks their menus over
// com.canonical.dbusmenu the way a panel does), and a phone showing a QR
// code.
package desktoptest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	watcherName  = "org.kde.StatusNotifierWatcher"
	watcherPath  = "/StatusNotifierWatcher"
	menuPath     = "/StatusNotifierMenu"
	menuIface    = "com.canonical.dbusmenu"
	notifierPath = "/StatusNotifierItem"
)

// Watcher is a StatusNotifierWatcher on one bus connection.
type Watcher struct {
	conn  *dbus.Conn
	mu    sync.Mutex
	items []string // bus names of registered items
}

// Start connects to the bus at address and takes the watcher's name.
func Start(address string) (*Watcher, error) {
	conn, err := dbus.Connect(address)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", address, err)
	}
	w := &Watcher{conn: conn}
	if err := conn.Export(watcher{w}, watcherPath, watcherName); err != nil {
		conn.Close()
		return nil, err
	}
	reply, err := conn.RequestName(watcherName, dbus.NameFlagDoNotQueue)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		conn.Close()
		return nil, fmt.Errorf("own %s: reply %v, %v", watcherName, reply, err)
	}
	return w, nil
}

// Close releases the name and the connection.
func (w *Watcher) Close() error { return w.conn.Close() }

// watcher holds the exported D-Bus methods, so that Watcher's own methods
// are not exported on the bus.
type watcher struct{ w *Watcher }

// RegisterStatusNotifierItem is what a tray icon calls to appear.
func (x watcher) RegisterStatusNotifierItem(sender dbus.Sender, _ string) *dbus.Error {
	x.w.mu.Lock()
	defer x.w.mu.Unlock()
	if !slices.Contains(x.w.items, string(sender)) {
		x.w.items = append(x.w.items, string(sender))
	}
	return nil
}

// RegisterStatusNotifierHost is accepted and ignored.
func (watcher) RegisterStatusNotifierHost(string) *dbus.Error { return nil }

// WaitItem waits for an item to register and returns its bus name.
func (w *Watcher) WaitItem(timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		w.mu.Lock()
		n := len(w.items)
		var item string
		if n > 0 {
			item = w.items[n-1]
		}
		w.mu.Unlock()
		if item != "" {
			return item, nil
		}
		if time.Now().After(deadline) {
			return "", errors.New("no tray item registered")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// MenuItem is one entry of an item's menu.
type MenuItem struct {
	ID      int32
	Label   string
	Enabled bool
	Checked bool
	Visible bool
	// Children is the submenu, empty for a plain entry.
	Children []MenuItem
}

// Menu reads the top level of an item's menu.
func (w *Watcher) Menu(item string) ([]MenuItem, error) {
	var (
		revision uint32
		root     struct {
			ID       int32
			Props    map[string]dbus.Variant
			Children []dbus.Variant
		}
	)
	obj := w.conn.Object(item, menuPath)
	err := obj.Call(menuIface+".GetLayout", 0, int32(0), int32(-1), []string{}).Store(&revision, &root)
	if err != nil {
		return nil, fmt.Errorf("GetLayout: %w", err)
	}
	return menuItems(root.Children)
}

// menuItems reads the entries of one level of a dbusmenu layout.
func menuItems(children []dbus.Variant) ([]MenuItem, error) {
	var out []MenuItem
	for _, child := range children {
		fields, ok := child.Value().([]any)
		if !ok || len(fields) < 3 {
			return nil, fmt.Errorf("unexpected menu entry %v", child)
		}
		id, _ := fields[0].(int32)
		props, _ := fields[1].(map[string]dbus.Variant)
		sub, _ := fields[2].([]dbus.Variant)
		mi := MenuItem{ID: id, Enabled: true, Visible: true}
		if v, ok := props["type"]; ok && v.Value() == "separator" {
			continue
		}
		var err error
		if mi.Children, err = menuItems(sub); err != nil {
			return nil, err
		}
		if v, ok := props["label"]; ok {
			mi.Label, _ = v.Value().(string)
		}
		if v, ok := props["enabled"]; ok {
			mi.Enabled, _ = v.Value().(bool)
		}
		if v, ok := props["visible"]; ok {
			mi.Visible, _ = v.Value().(bool)
		}
		if v, ok := props["toggle-state"]; ok {
			state, _ := v.Value().(int32)
			mi.Checked = state == 1
		}
		out = append(out, mi)
	}
	return out, nil
}

// Click sends the "clicked" event a panel sends when the user picks an
// entry.
func (w *Watcher) Click(item string, id int32) error {
	obj := w.conn.Object(item, menuPath)
	return obj.Call(menuIface+".Event", 0, id, "clicked", dbus.MakeVariant(""), uint32(time.Now().Unix())).Err
}

// Opened sends the "opened" event a panel sends for the item's menu when
// it shows it, before the user picks an entry.
func (w *Watcher) Opened(item string) error {
	obj := w.conn.Object(item, menuPath)
	return obj.Call(menuIface+".Event", 0, int32(0), "opened", dbus.MakeVariant(""), uint32(time.Now().Unix())).Err
}

// Tooltip reads the item's tooltip text and its title.
func (w *Watcher) Tooltip(item string) (tooltip, title string, err error) {
	obj := w.conn.Object(item, notifierPath)
	v, err := obj.GetProperty("org.kde.StatusNotifierItem.ToolTip")
	if err != nil {
		return "", "", err
	}
	var tip struct {
		Icon    string
		Pixmaps []struct {
			W, H int32
			Data []byte
		}
		Title, Text string
	}
	if err := v.Store(&tip); err != nil {
		return "", "", err
	}
	t, err := obj.GetProperty("org.kde.StatusNotifierItem.Title")
	if err != nil {
		return "", "", err
	}
	title, _ = t.Value().(string)
	return tip.Title, title, nil
}

// Items lists the bus names of the items registered so far.
func (w *Watcher) Items() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.items)
}

// Icon reads the item's current icon pixmaps (ARGB32, big-endian), largest
// first as the item sends them.
func (w *Watcher) Icon(item string) ([]byte, error) {
	v, err := w.conn.Object(item, notifierPath).GetProperty("org.kde.StatusNotifierItem.IconPixmap")
	if err != nil {
		return nil, err
	}
	var pixmaps []struct {
		W, H int32
		Data []byte
	}
	if err := v.Store(&pixmaps); err != nil {
		return nil, err
	}
	if len(pixmaps) == 0 {
		return nil, errors.New("the item has no icon")
	}
	return pixmaps[0].Data, nil
}
