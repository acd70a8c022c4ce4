package app

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2/lang"
)

// ago says how long before now t was, the way `wg show` does:
// "1 minute, 3 seconds ago". A zero t is "never".
func ago(t, now time.Time) string {
	if t.IsZero() {
		return lang.L("never")
	}
	d := now.Sub(t).Truncate(time.Second)
	if d <= 0 {
		return lang.L("just now")
	}
	// The words are in the case that "ago" takes (German: "vor 3 Tagen").
	units := []struct {
		size time.Duration
		text func(n map[string]int64) string
	}{
		{24 * time.Hour, func(n map[string]int64) string { return lang.L("{{.N}} days", n) }},
		{time.Hour, func(n map[string]int64) string { return lang.L("{{.N}} hours", n) }},
		{time.Minute, func(n map[string]int64) string { return lang.L("{{.N}} minutes", n) }},
		{time.Second, func(n map[string]int64) string { return lang.L("{{.N}} seconds", n) }},
	}
	one := []string{lang.L("1 day"), lang.L("1 hour"), lang.L("1 minute"), lang.L("1 second")}
	var parts []string
	for i, u := range units {
		n := d / u.size
		d -= n * u.size
		switch {
		case n == 1:
			parts = append(parts, one[i])
		case n > 1:
			parts = append(parts, u.text(map[string]int64{"N": int64(n)}))
		}
	}
	return lang.L("{{.Duration}} ago", map[string]string{"Duration": strings.Join(parts, ", ")})
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
