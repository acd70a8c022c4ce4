package testnet

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net"
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
	var pcs []net.PacketConn
	err := ns.Do(t, func() error {
		var err error
		if ln, err = net.Listen("tcp", ":"+ServicePort); err != nil {
			return err
		}
		for _, r := range resolvers {
			pc, err := net.ListenPacket("udp", net.JoinHostPort(r, "53"))
			if err != nil {
				return err
			}
			pcs = append(pcs, pc)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("serve in %s: %v", ns.Name, err)
	}
	t.Cleanup(func() {
		ln.Close()
		for _, pc := range pcs {
			pc.Close()
		}
	})
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
	for _, pc := range pcs {
		go func() {
			buf := make([]byte, 512)
			for {
				n, from, err := pc.ReadFrom(buf)
				if err != nil {
					return
				}
				if n >= 12 {
					pc.WriteTo(dnsAnswer(buf[:n]), from)
				}
			}
		}()
	}
}

// dnsQuery is a query for example.com, type A.
func dnsQuery(id uint16) []byte {
	q := binary.BigEndian.AppendUint16(nil, id)
	q = append(q, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0) // RD; one question
	q = append(q, "\x07example\x03com\x00"...)
	return append(q, 0, 1, 0, 1)
}

// dnsAnswer answers a query with 192.0.2.1.
func dnsAnswer(query []byte) []byte {
	a := append([]byte(nil), query...)
	a[2], a[3] = 0x81, 0x80 // response, RD, RA
	a[6], a[7] = 0, 1       // one answer
	return append(a, 0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 1)
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
