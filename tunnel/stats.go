package tunnel

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/wgtray/wgtray/importer"
)

// Stats is what a tunnel reports about itself and its peers.
type Stats struct {
	PublicKey  importer.Key
	ListenPort uint16
	Peers      []PeerStats
}

// PeerStats is one peer's state.
type PeerStats struct {
	PublicKey importer.Key
	// Endpoint is where the peer was last heard from or is sent to; zero
	// when unknown.
	Endpoint netip.AddrPort
	// LatestHandshake is zero if no handshake has completed.
	LatestHandshake time.Time
	RxBytes         uint64
	TxBytes         uint64
	// PersistentKeepalive in seconds, 0 for off.
	PersistentKeepalive uint16
	AllowedIPs          []netip.Prefix
}

// Stats reads the device's current state.
func (t *Tunnel) Stats() (Stats, error) {
	var buf bytes.Buffer
	if err := t.dev.IpcGetOperation(&buf); err != nil {
		return Stats{}, fmt.Errorf("read stats of %s: %w", t.name, err)
	}
	text := buf.Bytes()
	defer clear(text)
	st, err := parseStats(text)
	if err != nil {
		return Stats{}, fmt.Errorf("read stats of %s: %w", t.name, err)
	}
	return st, nil
}

// parseStats reads the UAPI get form. It holds the private key, of which
// only the public half is kept; the text is never logged.
func parseStats(text []byte) (Stats, error) {
	var st Stats
	var peer *PeerStats
	var hsSec, hsNsec int64
	finishPeer := func() {
		if peer != nil && (hsSec != 0 || hsNsec != 0) {
			peer.LatestHandshake = time.Unix(hsSec, hsNsec)
		}
		hsSec, hsNsec = 0, 0
	}
	sc := bufio.NewScanner(bytes.NewReader(text))
	for sc.Scan() {
		key, value, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			continue
		}
		var err error
		switch key {
		case "private_key":
			var priv importer.Key
			if _, err = hex.Decode(priv[:], []byte(value)); err == nil {
				st.PublicKey = priv.Public()
			}
			clear(priv[:])
		case "listen_port":
			var port uint64
			port, err = strconv.ParseUint(value, 10, 16)
			st.ListenPort = uint16(port)
		case "public_key":
			finishPeer()
			st.Peers = append(st.Peers, PeerStats{})
			peer = &st.Peers[len(st.Peers)-1]
			_, err = hex.Decode(peer.PublicKey[:], []byte(value))
		}
		if peer != nil {
			switch key {
			case "endpoint":
				peer.Endpoint, err = netip.ParseAddrPort(value)
			case "last_handshake_time_sec":
				hsSec, err = strconv.ParseInt(value, 10, 64)
			case "last_handshake_time_nsec":
				hsNsec, err = strconv.ParseInt(value, 10, 64)
			case "rx_bytes":
				peer.RxBytes, err = strconv.ParseUint(value, 10, 64)
			case "tx_bytes":
				peer.TxBytes, err = strconv.ParseUint(value, 10, 64)
			case "persistent_keepalive_interval":
				var ka uint64
				ka, err = strconv.ParseUint(value, 10, 16)
				peer.PersistentKeepalive = uint16(ka)
			case "allowed_ip":
				var p netip.Prefix
				if p, err = netip.ParsePrefix(value); err == nil {
					peer.AllowedIPs = append(peer.AllowedIPs, p)
				}
			}
		}
		if err != nil {
			return Stats{}, fmt.Errorf("bad %s from the device", key)
		}
	}
	finishPeer()
	return st, nil
}
