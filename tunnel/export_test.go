package tunnel

import (
	"time"

	rosenpass "cunicu.li/go-rosenpass"
)

// SetReresolveTiming shortens the two minutes without a handshake after
// which a tunnel resolves an endpoint again, and how often it checks.
func SetReresolveTiming(after, check time.Duration) {
	reresolveAfter, reresolveCheck = after, check
}

// SetRosenpassTiming shortens how often Rosenpass renews its key (both
// roles) and how long a key serves without renewal.
func SetRosenpassTiming(rekey, stale time.Duration) {
	rosenpass.RekeyAfterTimeInitiator, rosenpass.RekeyAfterTimeResponder = rekey, rekey
	staleAfter = stale
}
