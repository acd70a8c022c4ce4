package netconf

import (
	"net"
	"testing"
	"time"

	"github.com/wgtray/wgtray/internal/winetest"
)

// What the Windows code reads of the IP helper API, asked of the real API
// (Wine's in make test's Windows lane): the routing table, interfaces by
// name, and change notifications that start and stop.
func TestIPHelperAnswersRoutesInterfacesAndNotifications(t *testing.T) {
	if winetest.UnderWine() {
		t.Log("Wine 8 lacks InitializeIpInterfaceEntry, which defaultRoutes needs: not asked")
	} else {
		for _, fam := range []int{4, 6} {
			if _, err := defaultRoutes(fam); err != nil {
				t.Errorf("IPv%d default routes: %v", fam, err)
			}
		}
	}
	ifaces, err := net.Interfaces()
	if err != nil || len(ifaces) == 0 {
		t.Fatalf("interfaces: %v (%d)", err, len(ifaces))
	}
	for _, iface := range ifaces {
		if _, err := luidByName(iface.Name); err != nil {
			t.Errorf("LUID of %q: %v", iface.Name, err)
		}
	}
	if _, err := luidByName("wgtray-no-such-interface"); err == nil {
		t.Error("a LUID for an interface that does not exist")
	}
	stop := make(chan struct{})
	changed, err := WatchNetwork("wgtray-no-such-interface", stop)
	if err != nil {
		t.Fatal(err)
	}
	close(stop)
	deadline := time.After(5 * time.Second)
	for {
		select {
		case _, ok := <-changed:
			if !ok {
				return
			}
		case <-deadline:
			t.Fatal("the watch did not end after stop")
		}
	}
}
