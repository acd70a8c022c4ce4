package testnet

import (
	"encoding/binary"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// wireguardHandshakeResponse is the message type and size of a WireGuard
// handshake response.
const (
	wireguardHandshakeResponse = 2
	wireguardResponseSize      = 92
)

// SniffHandshakeResponses watches the link iface of the namespace with an
// AF_PACKET socket (ETH_P_ALL, so the frames the namespace sends are seen
// too) and delivers, with the kernel's receive time, every WireGuard
// handshake response sent from UDP port port over IPv4 or IPv6. Times that
// nobody takes are dropped. t.Cleanup stops it.
func (ns *Namespace) SniffHandshakeResponses(t testing.TB, iface string, port uint16) <-chan time.Time {
	t.Helper()
	var fd int
	err := ns.Do(t, func() error {
		ifi, err := net.InterfaceByName(iface)
		if err != nil {
			return err
		}
		proto := int(htons(unix.ETH_P_ALL))
		if fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto); err != nil {
			return err
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1); err != nil {
			unix.Close(fd)
			return err
		}
		// A read returns at least every 100 ms, so that the reader sees
		// the test end.
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &unix.Timeval{Usec: 100_000}); err != nil {
			unix.Close(fd)
			return err
		}
		return unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index})
	})
	if err != nil {
		t.Fatalf("sniff %s in %s: %v", iface, ns.Name, err)
	}
	times := make(chan time.Time, 16)
	var stop atomic.Bool
	done := make(chan struct{})
	t.Cleanup(func() {
		stop.Store(true)
		<-done
		unix.Close(fd)
	})
	go func() {
		defer close(done)
		frame := make([]byte, 2048)
		oob := make([]byte, 128)
		for !stop.Load() {
			n, oobn, _, _, err := unix.Recvmsg(fd, frame, oob, 0)
			if err != nil {
				continue // the read timeout, or a signal
			}
			if !handshakeResponseFrom(frame[:n], port) {
				continue
			}
			at := time.Now()
			if ts, ok := kernelTime(oob[:oobn]); ok {
				at = ts
			}
			select {
			case times <- at:
			default:
			}
		}
	}()
	return times
}

// handshakeResponseFrom reports whether an Ethernet frame carries a
// WireGuard handshake response from UDP port port.
func handshakeResponseFrom(frame []byte, port uint16) bool {
	if len(frame) < 14 {
		return false
	}
	ip := frame[14:]
	var udp []byte
	switch binary.BigEndian.Uint16(frame[12:14]) {
	case unix.ETH_P_IP:
		if len(ip) < 20 || ip[9] != unix.IPPROTO_UDP {
			return false
		}
		udp = ip[int(ip[0]&0x0f)*4:]
	case unix.ETH_P_IPV6:
		if len(ip) < 40 || ip[6] != unix.IPPROTO_UDP {
			return false
		}
		udp = ip[40:]
	default:
		return false
	}
	return len(udp) == 8+wireguardResponseSize &&
		binary.BigEndian.Uint16(udp[0:2]) == port &&
		udp[8] == wireguardHandshakeResponse
}

func kernelTime(oob []byte) (time.Time, bool) {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}, false
	}
	for _, m := range msgs {
		if m.Header.Level == unix.SOL_SOCKET && m.Header.Type == unix.SCM_TIMESTAMPNS && len(m.Data) >= 16 {
			sec := int64(binary.NativeEndian.Uint64(m.Data[0:8]))
			nsec := int64(binary.NativeEndian.Uint64(m.Data[8:16]))
			return time.Unix(sec, nsec), true
		}
	}
	return time.Time{}, false
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }
