package netconf

import (
	"testing"

	"github.com/wgtray/wgtray/internal/testnet"
)

// A full tunnel's routing table is the first one from its FwMark (or
// 51820) on that holds no route of either family, tables past 255
// included, as wg-quick picks it.
func TestFullTunnelTakesTheFirstRoutingTableNoRouteUses(t *testing.T) {
	testnet.RequireRoot(t)
	ns := testnet.NewNamespace(t)
	for _, tc := range []struct {
		name  string
		route []string // an `ip` command run before, nil for none
		mark  uint32
		want  int
	}{
		{"nothing used", nil, 0, 51820},
		{"an IPv4 route in 51820", []string{"-4", "route", "add", "blackhole", "10.1.2.0/24", "table", "51820"}, 0, 51821},
		{"an IPv6 route in 51821 as well", []string{"-6", "route", "add", "blackhole", "2001:db8:1::/64", "table", "51821"}, 0, 51822},
		{"from the FwMark on", []string{"-4", "route", "add", "blackhole", "10.1.3.0/24", "table", "4096"}, 4096, 4097},
		{"a table under 256", []string{"-6", "route", "add", "blackhole", "2001:db8:2::/64", "table", "200"}, 200, 201},
	} {
		if tc.route != nil {
			ns.Run(t, "ip", tc.route...)
		}
		var got int
		err := ns.Do(t, func() (err error) {
			got, err = freeTable(tc.mark)
			return err
		})
		if err != nil || got != tc.want {
			t.Errorf("%s: table %d (%v), want %d", tc.name, got, err, tc.want)
		}
	}
}
