package netconf

import (
	"errors"
	"net/netip"
	"slices"
	"testing"
)

func TestWinRoutePlanMasksDeduplicatesAndFindsDefaultRoutes(t *testing.T) {
	cfg := NetworkConfig{Routes: []netip.Prefix{
		netip.MustParsePrefix("10.0.0.7/24"),
		netip.MustParsePrefix("::/0"),
		netip.MustParsePrefix("10.0.0.0/24"),
		netip.MustParsePrefix("0.0.0.0/0"),
		netip.MustParsePrefix("fd00::1/64"),
	}}
	plan, err := planWinRoutes(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/24"),
		netip.MustParsePrefix("::/0"),
		netip.MustParsePrefix("0.0.0.0/0"),
		netip.MustParsePrefix("fd00::/64"),
	}
	if !slices.Equal(plan.Routes, want) {
		t.Errorf("routes %v, want %v", plan.Routes, want)
	}
	if !slices.Equal(plan.Families, []int{4, 6}) {
		t.Errorf("pinned families %v, want [4 6]", plan.Families)
	}
}

func TestWinRoutePlanSplitTunnelPinsNoSocket(t *testing.T) {
	plan, err := planWinRoutes(NetworkConfig{Routes: []netip.Prefix{netip.MustParsePrefix("192.168.77.0/24")}})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Families) != 0 || len(plan.Routes) != 1 {
		t.Errorf("plan %+v, want one route and no pinned family", plan)
	}
}

func TestWinRoutePlanTableOffAddsNothingAndTableNIsRefused(t *testing.T) {
	routes := []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	plan, err := planWinRoutes(NetworkConfig{Routes: routes, RoutesOff: true})
	if err != nil || len(plan.Routes) != 0 || len(plan.Families) != 0 {
		t.Errorf("Table = off: plan %+v, err %v; want nothing", plan, err)
	}
	if _, err := planWinRoutes(NetworkConfig{Routes: routes, Table: 1234}); !errors.Is(err, errWinTable) {
		t.Errorf("Table = 1234: err %v, want %v", err, errWinTable)
	}
}

func TestWinBindInterfacePicksTheCheapestOtherDefaultRouteThatIsUp(t *testing.T) {
	const tunnel = 0x1111
	routes := []winDefaultRoute{
		{LUID: tunnel, Index: 40, Metric: 0, Up: true},
		{LUID: 0x2222, Index: 12, Metric: 35, Up: true},
		{LUID: 0x3333, Index: 7, Metric: 5, Up: false},
		{LUID: 0x4444, Index: 9, Metric: 25, Up: true},
		{LUID: 0x5555, Index: 11, Metric: 50, Up: true},
	}
	if idx, ok := bindInterface(routes, tunnel); !ok || idx != 9 {
		t.Errorf("bindInterface = %d, %v; want 9 (Wi-Fi, metric 25)", idx, ok)
	}
}

func TestWinBindInterfaceBlackholesWithoutAnotherDefaultRoute(t *testing.T) {
	const tunnel = 0x1111
	routes := []winDefaultRoute{
		{LUID: tunnel, Index: 40, Up: true},
		{LUID: 0x3333, Index: 7, Up: false},
	}
	if idx, ok := bindInterface(routes, tunnel); ok {
		t.Errorf("bindInterface = %d, true; want none, so the socket is blackholed", idx)
	}
}
