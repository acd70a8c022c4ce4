package netconf

import (
	"bufio"
	"context"
	"net"
	"net/netip"
	"os"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// resolvedUpstreams is where systemd-resolved lists the servers it asks.
const resolvedUpstreams = "/run/systemd/resolve/resolv.conf"

// Resolver looks host names up with queries that carry mark (firewall.ResolverMark,
// or a tunnel's own mark so that they bypass its routes). It asks the
// servers of resolv.conf itself: a local stub such as systemd-resolved's
// would forward the query from its own, unmarked socket, which the kill
// switch blocks, so the stub's upstream servers are asked directly.
func Resolver(mark uint32) *net.Resolver {
	d := net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		if err := c.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_MARK, int(mark))
		}); err != nil {
			return err
		}
		return serr
	}}
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, address string) (net.Conn, error) {
		return d.DialContext(ctx, network, upstreamOf(address, resolvedUpstreams))
	}}
}

// upstreamOf replaces a loopback stub address by the first upstream server
// that the stub's resolv.conf-style file lists, if there is one.
func upstreamOf(address, upstreams string) string {
	ap, err := netip.ParseAddrPort(address)
	if err != nil || !ap.Addr().IsLoopback() {
		return address
	}
	f, err := os.Open(upstreams)
	if err != nil {
		return address
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 || fields[0] != "nameserver" {
			continue
		}
		if a, err := netip.ParseAddr(fields[1]); err == nil && !a.IsLoopback() {
			return netip.AddrPortFrom(a, ap.Port()).String()
		}
	}
	return address
}
