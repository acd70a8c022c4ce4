package service

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wgtray/wgtray/platform/firewall"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/service/client"
)

// List, status and the kill switch's state answer at once while a firewall
// transaction or a store write (fsync) of another operation is held: the
// manager's lock is never held across them.
func TestListAndStatusAnswerWhileTheFirewallOrTheStoreIsBlocked(t *testing.T) {
	for _, tc := range []struct {
		name  string
		block func(h *harness, gate, entered chan struct{})
	}{
		{"firewall apply", func(h *harness, gate, entered chan struct{}) {
			h.fw.mu.Lock()
			h.fw.gate, h.fw.entered = gate, entered
			h.fw.mu.Unlock()
		}},
		{"store write", func(h *harness, gate, entered chan struct{}) {
			h.mgr.store.write = func(path string, data []byte, perm os.FileMode) error {
				select {
				case entered <- struct{}{}:
				default:
				}
				<-gate
				return nil
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, c, ctx := startWithTunnel(t, "a")
			gate, entered := make(chan struct{}), make(chan struct{}, 1)
			tc.block(h, gate, entered)
			var once sync.Once
			release := func() { once.Do(func() { close(gate) }) }
			defer release()
			upped := make(chan error, 1)
			go func() { _, err := c.Up(ctx, "a"); upped <- err }()
			select {
			case <-entered:
			case <-time.After(10 * time.Second):
				t.Fatalf("the %s was never reached", tc.name)
			}
			for _, call := range []struct {
				what string
				do   func(context.Context) error
			}{
				{"list", func(ctx context.Context) error { _, err := c.List(ctx); return err }},
				{"status", func(ctx context.Context) error { _, err := c.Status(ctx, ""); return err }},
				{"status of the tunnel", func(ctx context.Context) error { _, err := c.Status(ctx, "a"); return err }},
				{"kill switch", func(ctx context.Context) error { _, err := c.KillSwitch(ctx); return err }},
			} {
				cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				start := time.Now()
				err := call.do(cctx)
				cancel()
				if err != nil {
					t.Errorf("%s while the %s is held: %v after %v", call.what, tc.name, err, time.Since(start))
				}
			}
			release()
			if err := <-upped; err != nil {
				t.Errorf("up after the %s was released: %v", tc.name, err)
			}
		})
	}
}

// Under concurrent ups and downs of many tunnels the firewall ends with the
// policy of the last state, an up answers only once its tunnel is let
// through, and a down only once it no longer is.
func TestKillSwitchConvergesToTheLastStateUnderConcurrentUpsAndDowns(t *testing.T) {
	h := startHarness(t, t.TempDir())
	c := testClient(t, h)
	ctx := ctxFor(t)
	if _, err := c.SetKillSwitch(ctx, api.KillSwitchAuto, false); err != nil {
		t.Fatal(err)
	}
	h.fw.mu.Lock()
	h.fw.delay = 5 * time.Millisecond // snapshots pile up behind a transaction
	h.fw.mu.Unlock()
	const tunnels, rounds = 6, 8
	names := make([]string, tunnels)
	for i := range names {
		names[i] = fmt.Sprintf("t%d", i)
		cfg := newConfig(t, fmt.Sprintf("10.%d.0.0/16", 100+i))
		cfg.Interface.Addresses = []netip.Prefix{netip.MustParsePrefix(fmt.Sprintf("10.%d.0.2/32", 100+i))}
		if _, err := c.Import(ctx, names[i], cfg); err != nil {
			t.Fatal(err)
		}
	}
	lets := func(name string) bool {
		return slices.ContainsFunc(h.fw.last().Tunnels, func(ft firewall.FirewallTunnel) bool { return ft.Interface == name })
	}
	var wg sync.WaitGroup
	errs := make(chan error, tunnels*rounds)
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 13))
			for range rounds {
				if r.IntN(2) == 0 {
					if _, err := c.Up(ctx, name); err != nil {
						errs <- fmt.Errorf("up %s: %w", name, err)
					} else if !lets(name) {
						errs <- fmt.Errorf("up %s answered before the kill switch let it through", name)
					}
				} else {
					if _, err := c.Down(ctx, name); err != nil {
						errs <- fmt.Errorf("down %s: %w", name, err)
					} else if lets(name) {
						errs <- fmt.Errorf("down %s answered while the kill switch still lets it through", name)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	h.mgr.mu.Lock()
	want := firewall.FirewallPolicy{Mode: api.KillSwitchAuto, Tunnels: h.mgr.policyLocked()}
	h.mgr.mu.Unlock()
	var up []string
	for _, ft := range want.Tunnels {
		up = append(up, ft.Interface)
	}
	if got := h.fw.last(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the firewall ends with\n%+v\nwant the policy of the last state (%v up)\n%+v", got, up, want)
	}
}

// An up that waits behind another start of its tunnel answers once the
// tunnel is up, even past the deadline of ordinary requests (the client
// used to get EOF while the tunnel came up); one that would wait longer
// than its queue bound is told the tunnel is busy, in time.
func TestUpQueuedBehindAnotherStartAnswersPastTheRequestDeadline(t *testing.T) {
	for _, tc := range []struct {
		name     string
		queue    time.Duration
		wantBusy bool
	}{
		{"waits its turn", 10 * time.Second, false},
		{"waits too long", 300 * time.Millisecond, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, c, ctx := startWithTunnel(t, "a")
			h.srv.requestTimeout = 300 * time.Millisecond
			h.srv.upQueueWait = tc.queue
			slow := make(chan struct{})
			h.engine.mu.Lock()
			h.engine.slow = slow
			h.engine.mu.Unlock()
			type answer struct {
				tun api.Tunnel
				err error
			}
			first, queued := make(chan answer, 1), make(chan answer, 1)
			go func() { tun, err := c.Up(ctx, "a"); first <- answer{tun, err} }()
			for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
				if tun, err := c.Get(ctx, "a"); err == nil && tun.State == api.StateStarting {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the first up never started")
				}
			}
			start := time.Now()
			go func() { tun, err := c.Up(ctx, "a"); queued <- answer{tun, err} }()
			if tc.wantBusy {
				a := <-queued
				if !client.IsCode(a.err, api.CodeBusy) {
					t.Errorf("an up queued past its bound answered %+v, %v; want busy", a.tun, a.err)
				}
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("the busy answer took %v", d)
				}
			}
			time.Sleep(time.Second) // the start takes longer than an ordinary request may
			close(slow)
			for _, ch := range []chan answer{first, queued} {
				if tc.wantBusy && ch == queued {
					continue
				}
				if a := <-ch; a.err != nil || a.tun.State != api.StateUp {
					t.Errorf("an up that outlived the request deadline answered %+v, %v; want up", a.tun, a.err)
				}
			}
		})
	}
}
