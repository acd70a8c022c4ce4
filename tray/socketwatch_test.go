package tray

import (
	"context"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestSocketWatchFiresWhenTheServiceSocketAppears(t *testing.T) {
	// The service's directory does not exist yet, as before its first
	// start.
	dir := filepath.Join(t.TempDir(), "run")
	socket := filepath.Join(dir, "wgtray.sock")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	appeared := WatchSocket(ctx, socket, slog.New(slog.DiscardHandler))

	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "other"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	select {
	case <-appeared:
		t.Fatal("fired before the socket appeared")
	case <-time.After(200 * time.Millisecond):
	}
	for round := range 2 { // the first start, then a restart
		l, err := net.Listen("unix", socket)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case <-appeared:
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: no signal when the socket appeared", round)
		}
		l.Close()
	}
}
