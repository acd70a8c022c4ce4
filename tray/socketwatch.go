package tray

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/fsnotify/fsnotify"
)

// WatchSocket signals on the channel it returns whenever the service's
// socket file appears, so that the agent reconnects at once instead of
// polling while the service is away. It watches the socket's directory,
// or that directory's parent until the directory exists. Where the socket
// is no file (a Windows named pipe) or nothing can be watched, the channel
// never fires and the agent's retries do the work.
func WatchSocket(ctx context.Context, socket string, log *slog.Logger) <-chan struct{} {
	out := make(chan struct{}, 1)
	w, err := fsnotify.NewWatcher()
	if err != nil {
		log.Debug("not watching for the service's socket", "err", err)
		return out
	}
	dir := filepath.Dir(socket)
	watch := func() bool {
		if err := w.Add(dir); err == nil {
			return true
		}
		if err := w.Add(filepath.Dir(dir)); err != nil {
			log.Debug("not watching for the service's socket", "dir", dir, "err", err)
		}
		return false
	}
	inDir := watch()
	go func() {
		defer w.Close()
		for {
			select {
			case <-ctx.Done():
				return
			case err := <-w.Errors:
				log.Debug("watching for the service's socket", "err", err)
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				switch {
				case !inDir && ev.Name == dir && ev.Has(fsnotify.Create):
					w.Remove(filepath.Dir(dir))
					inDir = watch()
					if _, err := os.Stat(socket); err != nil {
						continue
					}
				case inDir && ev.Name == socket && ev.Has(fsnotify.Create):
				default:
					continue
				}
				select {
				case out <- struct{}{}:
				default:
				}
			}
		}
	}()
	return out
}
