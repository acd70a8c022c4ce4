package service_test

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/wgtray/wgtray/internal/testnet"
)

// upRounds is how many times BenchmarkUpToHandshake brings the tunnel up.
const upRounds = 21

// BenchmarkUpToHandshake measures, upRounds times, the time from the API's
// up request (client.Up, which reads the keys from a file first) to the
// peer's handshake response on the wire, as an AF_PACKET sniffer on the
// peer's link sees it, and brings the tunnel down after each. It prints
// the median, minimum and maximum. With WGTRAY_BENCH_BASELINE set to
// another wgtrayd binary, it alternates rounds between that binary and
// this tree's, each in its own namespaces, and prints both, so that a
// change is compared under the same load.
func BenchmarkUpToHandshake(b *testing.B) {
	type contender struct {
		label string
		l     *lab
		name  string
		seen  <-chan time.Time
		times []time.Duration
	}
	bins := []struct{ label, bin string }{{"this tree", wgtrayd(b)}}
	if base := os.Getenv("WGTRAY_BENCH_BASELINE"); base != "" {
		bins = append(bins, struct{ label, bin string }{"baseline", base})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var cs []*contender
	for _, bin := range bins {
		l := newLabOf(b, bin.bin)
		cfg := l.peerConfig(b, 1, "10.232.0.0/24", false)
		cfg.Interface.DNS = []netip.Addr{netip.MustParseAddr("10.232.0.1")}
		c := &contender{label: bin.label, l: l, name: testnet.UniqueName("wgu")}
		if _, err := l.root.Import(ctx, c.name, cfg); err != nil {
			b.Fatal(err)
		}
		c.seen = l.peerNS.SniffHandshakeResponses(b, l.peerLink, l.peer.ListenPort)
		cs = append(cs, c)
	}
	for i := range upRounds {
		for j := range cs {
			c := cs[(i+j)%len(cs)] // alternate which goes first
			for len(c.seen) > 0 {
				<-c.seen
			}
			start := time.Now()
			done := make(chan error, 1)
			go func() {
				_, err := c.l.root.Up(ctx, c.name)
				done <- err
			}()
			select {
			case at := <-c.seen:
				c.times = append(c.times, at.Sub(start))
			case err := <-done:
				select {
				case at := <-c.seen:
					c.times = append(c.times, at.Sub(start))
				case <-time.After(10 * time.Second):
					b.Fatalf("%s, round %d: no handshake response within 10 s of up (%v)\n%s", c.label, i, err, c.l.service.Output())
				}
				done <- err
			}
			if err := <-done; err != nil {
				b.Fatalf("%s, round %d: up: %v", c.label, i, err)
			}
			if _, err := c.l.root.Down(ctx, c.name); err != nil {
				b.Fatal(err)
			}
			// The peer ignores initiations from one key that come
			// faster than every 20 ms (wireguard-go's flood protection).
			time.Sleep(50 * time.Millisecond)
		}
	}
	fmt.Printf("\nwgtrayd: API up request to the peer's handshake response on the wire, %d rounds\n\n", upRounds)
	fmt.Printf("%-12s %10s %10s %10s\n", "", "median", "min", "max")
	for _, c := range cs {
		slices.Sort(c.times)
		fmt.Printf("%-12s %10s %10s %10s   (target median <= 5ms)\n", c.label, ms(c.times[len(c.times)/2]), ms(c.times[0]), ms(c.times[len(c.times)-1]))
		what := fmt.Sprintf("API up to handshake response, median / min / max of %d", upRounds)
		if len(cs) > 1 {
			what += ", " + c.label
		}
		benchRow(what, fmt.Sprintf("%s / %s / %s   (target median <= 5ms)", ms(c.times[len(c.times)/2]), ms(c.times[0]), ms(c.times[len(c.times)-1])))
	}
	b.ReportMetric(float64(cs[0].times[len(cs[0].times)/2].Microseconds())/1000, "ms-up-to-handshake")
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d.Microseconds())/1000) }

// benchRow prints a line of the table `make bench` ends with.
func benchRow(what, value string) { fmt.Printf("table: %-58s %s\n", what, value) }
