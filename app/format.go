package app

import (
	"fmt"
	"strings"
	"time"
)

// ago says how long before now t was, the way `wg show` does:
// "1 minute, 3 seconds ago". A zero t is "never".
func ago(t, now time.Time) string {
	if t.IsZero() {
		return "never"
	}
	d := now.Sub(t).Truncate(time.Second)
	if d <= 0 {
		return "just now"
	}
	units := []struct {
		name string
		size time.Duration
	}{
		{"day", 24 * time.Hour},
		{"hour", time.Hour},
		{"minute", time.Minute},
		{"second", time.Second},
	}
	var parts []string
	for _, u := range units {
		n := d / u.size
		d -= n * u.size
		switch {
		case n == 1:
			parts = append(parts, "1 "+u.name)
		case n > 1:
			parts = append(parts, fmt.Sprintf("%d %ss", n, u.name))
		}
	}
	return strings.Join(parts, ", ") + " ago"
}

// humanBytes formats a byte count in binary units as `wg show` does: "1.50 MiB".
func humanBytes(n uint64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, unit := range []string{"KiB", "MiB", "GiB", "TiB"} {
		v /= 1024
		if v < 1024 || unit == "TiB" {
			return fmt.Sprintf("%.2f %s", v, unit)
		}
	}
	panic("unreachable")
}

// rate formats a throughput in bytes per second.
func rate(bytesPerSecond float64) string {
	if bytesPerSecond < 0 {
		bytesPerSecond = 0
	}
	return humanBytes(uint64(bytesPerSecond)) + "/s"
}
