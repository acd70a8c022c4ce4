package tray

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestSecondStartReachesTheRunningAgent(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "agent.sock")
	log := slog.New(slog.DiscardHandler)
	if err := Ask(sock, Request{Show: true}); err == nil {
		t.Fatal("Ask succeeded with no agent")
	}
	got := make(chan Request, 1)
	l, err := Listen(sock, log, func(r Request) { got <- r })
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if _, err := Listen(sock, log, func(Request) {}); !errors.Is(err, ErrRunning) {
		t.Fatalf("a second Listen: %v, want ErrRunning", err)
	}
	want := Request{Show: true, Files: []string{"/home/u/office.conf"}}
	if err := Ask(sock, want); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if r.Show != want.Show || !slices.Equal(r.Files, want.Files) {
			t.Errorf("the agent got %+v, want %+v", r, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the agent got nothing")
	}
}

func TestSocketLeftByADeadAgentIsTakenOver(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "agent.sock")
	log := slog.New(slog.DiscardHandler)
	l, err := Listen(sock, log, func(Request) {})
	if err != nil {
		t.Fatal(err)
	}
	// A crash leaves the socket file: close the listener without unlinking.
	l.(interface{ SetUnlinkOnClose(bool) }).SetUnlinkOnClose(false)
	l.Close()
	if _, err := os.Stat(sock); err != nil {
		t.Fatal(err)
	}
	l, err = Listen(sock, log, func(Request) {})
	if err != nil {
		t.Fatalf("listen over a dead agent's socket: %v", err)
	}
	l.Close()
}
