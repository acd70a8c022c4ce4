package tunnel

import (
	"errors"
	"fmt"
	"slices"
	"testing"
)

// A socket bound again after a network change gets the pins the platform
// last gave the WireGuard socket, each family with its own interface and
// blackhole setting, and a pin that fails is reported.
func TestSocketBoundAgainIsPinnedWhereTheOldOneWas(t *testing.T) {
	var p socketPins
	if err := p.pinAgain(func(int, uint32, bool) error { return errors.New("no pin expected") }); err != nil {
		t.Fatalf("with no pins: %v", err)
	}
	p.set(4, 3, false)
	p.set(6, 5, true)
	p.set(4, 7, false) // the default route moved
	var got []string
	err := p.pinAgain(func(family int, index uint32, blackhole bool) error {
		got = append(got, fmt.Sprintf("%d %d %v", family, index, blackhole))
		if family == 6 {
			return errors.New("refused")
		}
		return nil
	})
	slices.Sort(got)
	if want := []string{"4 7 false", "6 5 true"}; !slices.Equal(got, want) {
		t.Errorf("pinned %v, want %v", got, want)
	}
	if err == nil {
		t.Error("a failed pin was not reported")
	}
}
