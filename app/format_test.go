package app

import (
	"testing"
	"time"
)

func TestAgoReadsLikeWgShow(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{63 * time.Second, "1 minute, 3 seconds ago"},
		{time.Second, "1 second ago"},
		{2*time.Hour + 5*time.Second, "2 hours, 5 seconds ago"},
		{49*time.Hour + time.Minute, "2 days, 1 hour, 1 minute ago"},
		{0, "just now"},
	} {
		if got := ago(now.Add(-tc.d), now); got != tc.want {
			t.Errorf("ago(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
	if got := ago(time.Time{}, now); got != "never" {
		t.Errorf("zero time: %q", got)
	}
}

func TestBytesUsesBinaryUnits(t *testing.T) {
	for n, want := range map[uint64]string{
		0:            "0 B",
		1023:         "1023 B",
		1024:         "1.00 KiB",
		1536 * 1024:  "1.50 MiB",
		5 << 30:      "5.00 GiB",
		3 << 50:      "3072.00 TiB",
		123456789012: "114.98 GiB",
	} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}
