package tunnel

import (
	"time"

	"golang.org/x/sys/unix"
)

// systemClock reads CLOCK_MONOTONIC, which on macOS counts suspended time,
// less CLOCK_UPTIME_RAW, which does not.
type systemClock struct{}

func (systemClock) Slept() time.Duration {
	var boot, up unix.Timespec
	if unix.ClockGettime(unix.CLOCK_MONOTONIC, &boot) != nil || unix.ClockGettime(unix.CLOCK_UPTIME_RAW, &up) != nil {
		return 0
	}
	return time.Duration(boot.Nano() - up.Nano())
}
