package service

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/wgtray/wgtray/service/api"
)

func TestShutdownEndsLogFollowersInsteadOfWaitingForThem(t *testing.T) {
	h := startHarness(t, t.TempDir())
	c := testClient(t, h)
	h.ring.logger().Info("before the follower")
	first, followed := make(chan struct{}), make(chan error, 1)
	go func() {
		var once sync.Once
		followed <- c.FollowLogs(context.Background(), func(api.LogEntry) { once.Do(func() { close(first) }) })
	}()
	select {
	case <-first:
	case <-time.After(5 * time.Second):
		t.Fatal("the follower got no entry")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	start := time.Now()
	if err := h.srv.shutdown(ctx); err != nil {
		t.Errorf("shutdown with a log follower: %v after %v", err, time.Since(start))
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("shutdown took %v with a log follower", d)
	}
	select {
	case <-followed:
	case <-time.After(5 * time.Second):
		t.Error("the follower's stream did not end")
	}
}
