package tunnel

import (
	"bufio"
	"encoding/hex"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	rosenpass "cunicu.li/go-rosenpass"
	"golang.zx2c4.com/wireguard/conn"
	"golang.zx2c4.com/wireguard/device"
	"golang.zx2c4.com/wireguard/tun/tuntest"
)

// devicePSK reads a peer's preshared key from the device, as hex.
func devicePSK(t *testing.T, dev *device.Device) string {
	t.Helper()
	text, err := dev.IpcGet()
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "preshared_key="); ok {
			return v
		}
	}
	t.Fatal("the device has no peer")
	return ""
}

// The no-downgrade rule: a post-quantum key that is not renewed within
// staleAfter must not keep serving; the peer's preshared key becomes a
// random one (so no session forms without a new exchange) and the state
// says so in words.
func TestRosenpassKeyNotRenewedInTimeIsReplacedByRandomKey(t *testing.T) {
	old := staleAfter
	staleAfter = 300 * time.Millisecond
	t.Cleanup(func() { staleAfter = old })

	dev := device.NewDevice(tuntest.NewChannelTUN().TUN(), conn.NewDefaultBind(), device.NewLogger(device.LogLevelSilent, ""))
	t.Cleanup(dev.Close)
	own, peer := statsKey(t), statsKey(t)
	if err := dev.IpcSet("private_key=" + hex.EncodeToString(own[:]) + "\npublic_key=" + hex.EncodeToString(peer[:]) + "\n"); err != nil {
		t.Fatal(err)
	}
	id := rosenpass.PeerID{1}
	pq := &postQuantum{log: slog.New(slog.NewTextHandler(io.Discard, nil)), dev: dev, peers: map[rosenpass.PeerID]*pqPeer{
		id: {stats: RosenpassStats{Peer: peer, Endpoint: "198.51.100.2:9999", State: RosenpassWaiting}},
	}}
	t.Cleanup(func() {
		pq.mu.Lock()
		pq.closed = true
		pq.mu.Unlock()
	})

	key := rosenpass.Key{}
	for i := range key {
		key[i] = byte(i + 1)
	}
	want := hex.EncodeToString(key[:])
	pq.HandshakeCompleted(id, key)
	if got := devicePSK(t, dev); got != want {
		t.Fatalf("after the exchange the preshared key is %q, want the exchanged key", got)
	}

	time.Sleep(staleAfter / 2)
	if got := devicePSK(t, dev); got != want {
		t.Fatal("the exchanged key was replaced before it was stale")
	}
	deadline := time.Now().Add(5 * time.Second)
	for devicePSK(t, dev) == want {
		if time.Now().After(deadline) {
			t.Fatalf("the post-quantum key still serves %v after its last exchange (stale after %v)", 5*time.Second, staleAfter)
		}
		time.Sleep(20 * time.Millisecond)
	}
	got := devicePSK(t, dev)
	if got == strings.Repeat("0", 64) {
		t.Fatal("the stale key was replaced by the zero key, which lets WireGuard form a session without the post-quantum key")
	}
	pq.mu.Lock()
	stats := pq.peers[id].stats
	pq.mu.Unlock()
	if stats.State != RosenpassStale {
		t.Errorf("state = %q, want %q", stats.State, RosenpassStale)
	}
	if r := stats.Reason(); !strings.Contains(r, "no post-quantum key from 198.51.100.2:9999") {
		t.Errorf("reason = %q, want it to say that no key came from the endpoint", r)
	}

	// A new exchange brings the peer back.
	key[0] ^= 0xff
	pq.HandshakeCompleted(id, key)
	if got := devicePSK(t, dev); got != hex.EncodeToString(key[:]) {
		t.Fatal("a new exchange after a stale key did not set the new key")
	}
}
