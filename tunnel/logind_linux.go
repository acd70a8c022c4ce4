package tunnel

import (
	"fmt"

	"github.com/godbus/dbus/v5"
)

// watchResume reports each resume from sleep that logind announces on the
// system bus (PrepareForSleep with false), until stop is closed. Where no
// system bus or no logind runs, it fails, and the sleep clock alone tells
// a resume.
func watchResume(stop <-chan struct{}) (<-chan struct{}, error) {
	conn, err := dbus.ConnectSystemBus()
	if err != nil {
		return nil, fmt.Errorf("connect to the system bus: %w", err)
	}
	if err := conn.AddMatchSignal(
		dbus.WithMatchSender("org.freedesktop.login1"),
		dbus.WithMatchObjectPath("/org/freedesktop/login1"),
		dbus.WithMatchInterface("org.freedesktop.login1.Manager"),
		dbus.WithMatchMember("PrepareForSleep"),
	); err != nil {
		conn.Close()
		return nil, fmt.Errorf("listen for logind's PrepareForSleep: %w", err)
	}
	signals := make(chan *dbus.Signal, 4)
	conn.Signal(signals)
	resumed := make(chan struct{}, 1)
	go func() {
		<-stop
		conn.Close()
	}()
	go func() {
		defer close(resumed)
		for {
			select {
			case <-stop:
				return
			case s, ok := <-signals:
				if !ok {
					return
				}
				if sleeping, ok := prepareForSleep(s); ok && !sleeping {
					select {
					case resumed <- struct{}{}:
					default:
					}
				}
			}
		}
	}()
	return resumed, nil
}

// prepareForSleep reads the signal's argument: true before the machine
// sleeps, false once it has resumed.
func prepareForSleep(s *dbus.Signal) (sleeping, ok bool) {
	if s.Name != "org.freedesktop.login1.Manager.PrepareForSleep" || len(s.Body) != 1 {
		return false, false
	}
	sleeping, ok = s.Body[0].(bool)
	return sleeping, ok
}
