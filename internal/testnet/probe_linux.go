package testnet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ServicePort is the TCP port Serve listens on.
const ServicePort = "8080"

// ProbeTimeout bounds each connection attempt of the probes; blocked
// traffic that is dropped rather than refused costs this much.
const ProbeTimeout = 2 * time.Second

// Do runs f on an OS thread that has entered the namespace, in this
// process. The thread is not reused afterwards: returning from a locked
// goroutine ends it. Sockets keep the namespace they were created in, so a
// socket made in f may be used from anywhere. Keep f to socket calls:
// anything that starts goroutines or resolves names may leave the thread.
func (ns *Namespace) Do(t testing.TB, f func() error) error {
	t.Helper()
	fd, err := unix.Open("/run/netns/"+ns.Name, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(fd, unix.CLONE_NEWNET); err != nil {
			done <- err
			return
		}
		done <- f()
	}()
	return <-done
}

// Serve runs, in the namespace, a TCP listener on ServicePort on all
// addresses that greets with "hello", and a DNS responder on UDP port 53 of
// each of resolvers (bound to each, so that answers come from the address
// asked) that answers every query. t.Cleanup stops them.
func (ns *Namespace) Serve(t testing.TB, resolvers ...string) {
	t.Helper()
	var ln net.Listener
	err := ns.Do(t, func() error {
		var err error
		ln, err = net.Listen("tcp", ":"+ServicePort)
		return err
	})
	if err != nil {
		t.Fatalf("serve in %s: %v", ns.Name, err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("hello\n"))
			c.Close()
		}
	}()
	for _, r := range resolvers {
		ns.ServeDNS(t, r, anyAnswer)
	}
}

// ServeDNS runs, in the namespace, a DNS responder on UDP port 53 of
// resolver that answers every query with the IPv4 address answer.
// t.Cleanup stops it.
func (ns *Namespace) ServeDNS(t testing.TB, resolver string, answer netip.Addr) {
	t.Helper()
	ns.serveUDP(t, net.JoinHostPort(resolver, "53"), func(query []byte) []byte {
		if len(query) < 12 {
			return nil
		}
		return dnsAnswer(query, answer)
	})
}

// ServeUDPEcho runs, in the namespace, a UDP listener on addr (host:port)
// that sends every datagram back. t.Cleanup stops it.
func (ns *Namespace) ServeUDPEcho(t testing.TB, addr string) {
	t.Helper()
	ns.serveUDP(t, addr, func(datagram []byte) []byte { return datagram })
}

// serveUDP listens on addr (host:port) in the namespace and sends back to
// each datagram what reply makes of it (nothing for nil), until t.Cleanup
// closes the socket.
func (ns *Namespace) serveUDP(t testing.TB, addr string, reply func([]byte) []byte) {
	t.Helper()
	var pc net.PacketConn
	err := ns.Do(t, func() error {
		var err error
		pc, err = net.ListenPacket("udp", addr)
		return err
	})
	if err != nil {
		t.Fatalf("serve UDP on %s in %s: %v", addr, ns.Name, err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			if r := reply(buf[:n]); r != nil {
				pc.WriteTo(r, from)
			}
		}
	}()
}

// UDPEchoed reports whether a datagram to addr (host:port), sent from the
// namespace by a socket that belongs to user uid, comes back from
// ServeUDPEcho; why not goes to the test log. The socket's owner is what
// firewall rules on the sending user (nftables' skuid) see; only the
// probe's own thread takes the uid.
func (ns *Namespace) UDPEchoed(t testing.TB, addr string, uid int) bool {
	t.Helper()
	err := ns.Do(t, func() error {
		// Do's thread ends with f, so its file-system uid, which new
		// sockets are owned by, need not be set back. setfsuid reports
		// no error: asking again tells whether it took.
		unix.SetfsuidRetUid(uid)
		if now, _ := unix.SetfsuidRetUid(uid); now != uid {
			return fmt.Errorf("cannot take file-system uid %d", uid)
		}
		c, err := net.Dial("udp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(ProbeTimeout))
		if _, err := c.Write([]byte("echo")); err != nil {
			return err
		}
		buf := make([]byte, 16)
		n, err := c.Read(buf)
		if err != nil {
			return err
		}
		if string(buf[:n]) != "echo" {
			return errors.New("not the echo")
		}
		return nil
	})
	if err != nil {
		t.Logf("UDP to %s as uid %d from %s: %v", addr, uid, ns.Name, err)
	}
	return err == nil
}

// anyAnswer is what Serve's resolvers answer.
var anyAnswer = netip.MustParseAddr("192.0.2.1")

// dnsQuery is a query for example.com, type A.
func dnsQuery(id uint16) []byte {
	q := binary.BigEndian.AppendUint16(nil, id)
	q = append(q, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0) // RD; one question
	q = append(q, "\x07example\x03com\x00"...)
	return append(q, 0, 1, 0, 1)
}

// dnsAnswer answers a query of one question with the IPv4 address addr.
// What follows the question (an EDNS record) is left out of the answer.
func dnsAnswer(query []byte, addr netip.Addr) []byte {
	end := 12
	for end < len(query) && query[end] != 0 {
		end += 1 + int(query[end])
	}
	end += 5 // the root label, type and class
	if end > len(query) {
		end = len(query)
	}
	a := append([]byte(nil), query[:end]...)
	a[2], a[3] = 0x81, 0x80 // response, RD, RA
	a[6], a[7] = 0, 1       // one answer
	a[8], a[9], a[10], a[11] = 0, 0, 0, 0
	ip := addr.As4()
	return append(a, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, ip[0], ip[1], ip[2], ip[3])
}

// TCPReaches reports whether a TCP connection from the namespace to host
// reaches the listener of Serve.
func (ns *Namespace) TCPReaches(t testing.TB, host string) bool {
	t.Helper()
	return ns.Do(t, func() error {
		c, err := net.DialTimeout("tcp", net.JoinHostPort(host, ServicePort), ProbeTimeout)
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(ProbeTimeout))
		line := make([]byte, 6)
		if _, err := c.Read(line); err != nil {
			return err
		}
		if string(line) != "hello\n" {
			return errors.New("unexpected greeting")
		}
		return nil
	}) == nil
}

// DNSAnswered reports whether a DNS query over UDP from the namespace to
// server gets an answer.
func (ns *Namespace) DNSAnswered(t testing.TB, server string) bool {
	t.Helper()
	return ns.Do(t, func() error {
		c, err := net.Dial("udp", net.JoinHostPort(server, "53"))
		if err != nil {
			return err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(ProbeTimeout))
		query := dnsQuery(0x5a17)
		if _, err := c.Write(query); err != nil {
			return err
		}
		buf := make([]byte, 512)
		n, err := c.Read(buf)
		if err != nil {
			return err
		}
		if n < 12 || !bytes.Equal(buf[:2], query[:2]) || buf[7] != 1 {
			return errors.New("not an answer to the query")
		}
		return nil
	}) == nil
}

// Pings reports whether one ICMP echo from the namespace to host is
// answered.
func (ns *Namespace) Pings(host string) bool {
	_, err := ns.Exec("ping", "-n", "-c1", "-W2", host)
	return err == nil
}
