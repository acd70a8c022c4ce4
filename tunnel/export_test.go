package tunnel

import "time"

// SetReresolveTiming shortens the two minutes without a handshake after
// which a tunnel resolves an endpoint again, and how often it checks.
func SetReresolveTiming(after, check time.Duration) {
	reresolveAfter, reresolveCheck = after, check
}
