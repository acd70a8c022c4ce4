package tray

import "fyne.io/systray"

// RunSystray shows the tray icon, calls ready once the icon is on the bus,
// and returns when quit is closed.
//
// fyne.io/systray's Run calls its ready function before it exports the
// item's properties, and an icon or tooltip set between its reading them
// and their export is lost: the tray then shows the first state until the
// next change (seen as "the service is not running" for good at start).
// Its external-loop start exports everything before it returns, so ready
// runs after it.
func RunSystray(ready func(), quit <-chan struct{}) {
	start, end := systray.RunWithExternalLoop(nil, nil)
	start()
	ready()
	<-quit
	end()
}
