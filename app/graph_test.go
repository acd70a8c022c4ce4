package app

import (
	"slices"
	"testing"
)

// A keepalive or a handshake is a few hundred bytes: against the floor it
// stays a sliver; real traffic gets a round scale in binary units.
func TestGraphScaleHasAFloorAndRoundsUpToOneTwoOrFive(t *testing.T) {
	for _, tc := range []struct {
		peak float64
		top  string
	}{
		{0, "10 KiB/s"},
		{148, "10 KiB/s"},
		{10 << 10, "10 KiB/s"},
		{11 << 10, "20 KiB/s"},
		{300 << 10, "500 KiB/s"},
		{600 << 10, "1 MiB/s"},
		{1.5 * (1 << 20), "2 MiB/s"},
		{120 << 20, "200 MiB/s"},
		{3 << 30, "5 GiB/s"},
	} {
		g := &graph{rx: []float64{tc.peak / 2}, tx: []float64{tc.peak}}
		if got := scaleText(g.top()); got != tc.top {
			t.Errorf("peak %v B/s: scale %s, want %s", tc.peak, got, tc.top)
		}
	}
}

func TestHistorySeriesAveragesTheSpanIntoPoints(t *testing.T) {
	var h history
	for i := range 700 { // more than ten minutes: the oldest fall out
		h.add(float64(i))
	}
	minute := h.series(graphPoints, graphPoints)
	if len(minute) != 60 || minute[0] != 640 || minute[59] != 699 {
		t.Errorf("the last minute: %d points from %v to %v", len(minute), minute[0], minute[len(minute)-1])
	}
	ten := h.series(historyLen, graphPoints)
	if len(ten) != 60 || ten[59] != 694.5 || ten[0] != 104.5 {
		t.Errorf("ten minutes: %d points from %v to %v, want 60 from 104.5 to 694.5", len(ten), ten[0], ten[len(ten)-1])
	}

	var short history
	for _, v := range []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12} {
		short.add(v)
	}
	// Twelve seconds in ten-second points: the newest point is whole, the
	// oldest averages what there is.
	if got := short.series(historyLen, graphPoints); !slices.Equal(got, []float64{1.5, 7.5}) {
		t.Errorf("twelve seconds over ten minutes: %v", got)
	}
}
