package testnet

import (
	"net"
	"strings"
	"testing"
)

type childReport struct {
	Interfaces []string
}

func TestStartTestRunsChildInsideNamespace(t *testing.T) {
	if Role() == "lister" {
		var want string
		if err := Payload(&want); err != nil {
			t.Fatal(err)
		}
		ifs, err := net.Interfaces()
		if err != nil {
			t.Fatal(err)
		}
		var r childReport
		for _, i := range ifs {
			r.Interfaces = append(r.Interfaces, i.Name)
		}
		if err := Send(r); err != nil {
			t.Fatal(err)
		}
		WaitForStop()
		return
	}
	RequireRoot(t)
	a, b := NewNamespace(t), NewNamespace(t)
	aIf, _ := Connect(t, a, b, "10.98.0.1/24", "10.98.0.2/24", "fd98::1/64", "fd98::2/64")
	a.Run(t, "ping", "-c1", "-W2", "10.98.0.2")
	a.Run(t, "ping", "-c1", "-W2", "fd98::2")

	child := a.StartTest(t, "lister", aIf)
	var r childReport
	child.Receive(t, &r)
	child.Stop(t)
	if got := strings.Join(r.Interfaces, " "); got != "lo "+aIf {
		t.Errorf("the child sees interfaces %q, want exactly lo and %s", got, aIf)
	}
}

func TestPeersHandshakeAcrossNamespaces(t *testing.T) {
	RequireRoot(t)
	a, b := NewNamespace(t), NewNamespace(t)
	Connect(t, a, b, "10.97.0.1/24", "10.97.0.2/24")
	pa := StartPeer(t, a, PeerConfig{Addresses: []string{"10.96.0.1/24"}})
	pb := StartPeer(t, b, PeerConfig{Addresses: []string{"10.96.0.2/24"}, ListenPort: 51821})
	pb.AddPeer(t, pa.PublicKey, []string{"10.96.0.1/32"})
	pa.AddPeer(t, pb.PublicKey, []string{"10.96.0.2/32"})
	a.Run(t, "wg", "set", pa.Interface, "peer", pb.PublicKey.String(), "endpoint", pb.Endpoint("10.97.0.2").String())
	a.Run(t, "ping", "-c1", "-W5", "10.96.0.2")
	if out := a.Run(t, "wg", "show", pa.Interface, "latest-handshakes"); strings.HasSuffix(strings.TrimSpace(out), "\t0") {
		t.Errorf("no handshake recorded after a ping through the tunnel: %q", out)
	}
}
