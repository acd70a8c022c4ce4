package tunnel

import (
	"bytes"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/importer"
)

func statsKey(t *testing.T) importer.Key {
	t.Helper()
	k, err := importer.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// The device writes its state in one piece today; the parser must not
// depend on that, and it keeps every value but the keys' secret halves.
func TestStatsReadTheDeviceStateInPiecesOfAnySize(t *testing.T) {
	priv, psk := statsKey(t), statsKey(t)
	peerA, peerB := statsKey(t).Public(), statsKey(t).Public()
	// As wireguard-go's IpcGet writes it.
	text := "private_key=" + priv.Hex() + "\nlisten_port=51820\n" +
		"public_key=" + peerA.Hex() + "\npreshared_key=" + psk.Hex() + "\nprotocol_version=1\n" +
		"endpoint=[2001:db8::7]:4500\nlast_handshake_time_sec=1700000000\nlast_handshake_time_nsec=5\n" +
		"tx_bytes=1200\nrx_bytes=3400\npersistent_keepalive_interval=25\nallowed_ip=10.0.0.0/24\n" +
		"public_key=" + peerB.Hex() + "\npreshared_key=" + strings.Repeat("0", 64) + "\nprotocol_version=1\n" +
		"last_handshake_time_sec=0\nlast_handshake_time_nsec=0\ntx_bytes=0\nrx_bytes=0\n" +
		"persistent_keepalive_interval=0\nallowed_ip=::/0\n"
	want := Stats{PublicKey: priv.Public(), ListenPort: 51820, Peers: []PeerStats{
		{PublicKey: peerA, Endpoint: netip.MustParseAddrPort("[2001:db8::7]:4500"), PersistentKeepalive: 25,
			LatestHandshake: time.Unix(1700000000, 5), TxBytes: 1200, RxBytes: 3400,
			AllowedIPs: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/24")}},
		{PublicKey: peerB, AllowedIPs: []netip.Prefix{netip.MustParsePrefix("::/0")}},
	}}
	for _, size := range []int{1, 7, 64, len(text)} {
		var w statsWriter
		for rest := text; rest != ""; {
			n := min(size, len(rest))
			if m, err := w.Write([]byte(rest[:n])); m != n || err != nil {
				t.Fatalf("Write = %d, %v", m, err)
			}
			rest = rest[n:]
		}
		got, err := w.finish()
		if err != nil {
			t.Fatalf("pieces of %d: %v", size, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("pieces of %d: got %+v, want %+v", size, got, want)
		}
	}
}

// Stats runs every few seconds for every tunnel: reading the keys in the
// device's answer must leave no copy behind, in a string, a grown buffer
// or the parser's own line buffer.
func TestStatsLeaveNoCopyOfTheKeys(t *testing.T) {
	priv, psk := statsKey(t), statsKey(t)
	lines := []byte("private_key=" + priv.Hex() + "\npublic_key=" + priv.Public().Hex() + "\npreshared_key=" + psk.Hex() + "\n")
	var w statsWriter
	answer := make([]byte, len(lines)) // Write wipes what it is given
	if allocs := testing.AllocsPerRun(100, func() {
		w = statsWriter{}
		copy(answer, lines)
		w.Write(answer[:20])
		w.Write(answer[20:])
	}); allocs > 1 { // the peer's entry in Stats.Peers
		t.Errorf("parsing the key lines allocates %v times, want 1 (no copy of a key)", allocs)
	}
	w.Write([]byte("private_key=" + strings.Repeat("0", 10)))
	st, err := w.finish()
	if err == nil || st.PublicKey != (importer.Key{}) {
		t.Errorf("an answer cut inside a key line gave %+v, %v; want an error", st, err)
	}
	if w.line != [maxStatsLine]byte{} {
		t.Error("the line buffer still holds part of a key after finish")
	}
}

// wireguard-go writes its whole answer, private and preshared keys in it,
// from a pooled buffer that it never clears: the parser wipes what it was
// handed, so the pool keeps no key between reads.
func TestStatsWipeTheDevicesBufferOfKeys(t *testing.T) {
	priv, psk := statsKey(t), statsKey(t)
	pooled := []byte("private_key=" + priv.Hex() + "\nlisten_port=51820\npublic_key=" + statsKey(t).Public().Hex() +
		"\npreshared_key=" + psk.Hex() + "\nprotocol_version=1\n")
	var w statsWriter
	if _, err := w.Write(pooled); err != nil {
		t.Fatal(err)
	}
	if _, err := w.finish(); err != nil {
		t.Fatal(err)
	}
	for _, k := range []importer.Key{priv, psk} {
		if bytes.Contains(pooled, []byte(k.Hex())) {
			t.Error("the device's buffer still holds a key after the stats were read")
		}
	}
	if !bytes.Equal(pooled, make([]byte, len(pooled))) {
		t.Error("the device's buffer is not wiped")
	}
}
