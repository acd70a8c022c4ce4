package tunnel

import (
	"sync/atomic"
	"time"

	rosenpass "cunicu.li/go-rosenpass"
)

// SetReresolveTiming shortens the two minutes without a handshake after
// which a tunnel resolves an endpoint again, and how often it checks.
func SetReresolveTiming(after, check time.Duration) {
	reresolveAfter, reresolveCheck = after, check
}

// SetSilenceTiming shortens the two minutes after which a tunnel rejoins
// the network for a peer that answers nothing, the three after which it
// reports it, and how often it checks.
func SetSilenceTiming(rejoin, report, check time.Duration) {
	silentAfter, unansweredAfter, silenceCheck = rejoin, report, check
}

// SetRosenpassTiming shortens how often Rosenpass renews its key (both
// roles) and how long a key serves without renewal.
func SetRosenpassTiming(rekey, stale time.Duration) {
	rosenpass.RekeyAfterTimeInitiator, rosenpass.RekeyAfterTimeResponder = rekey, rekey
	staleAfter = stale
}

// FakeSleep replaces the clocks that tell a resume from sleep with one
// the test moves: resume(d) makes it report a sleep of d.
func FakeSleep() (resume func(d time.Duration)) {
	c := &fakeClock{}
	clock = c
	return func(d time.Duration) { c.slept.Add(int64(d)) }
}

type fakeClock struct{ slept atomic.Int64 }

func (c *fakeClock) Slept() time.Duration { return time.Duration(c.slept.Load()) }
