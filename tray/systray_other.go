//go:build !linux

package tray

import "fyne.io/systray"

// RunSystray shows the tray icon, calls ready once it is there, and
// returns when quit is closed. The Windows message loop and the macOS
// event loop must run on the main thread, so systray.Run keeps it.
func RunSystray(ready func(), quit <-chan struct{}) {
	go func() {
		<-quit
		systray.Quit()
	}()
	systray.Run(ready, nil)
}
