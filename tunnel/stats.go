package tunnel

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
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
	var w statsWriter
	err := t.dev.IpcGetOperation(&w)
	st, perr := w.finish()
	if err == nil {
		err = perr
	}
	if err != nil {
		return Stats{}, fmt.Errorf("read stats of %s: %w", t.name, err)
	}
	return st, nil
}

// maxStatsLine is longer than any line of the UAPI get form: the longest,
// an endpoint, is an IPv6 address with zone and port.
const maxStatsLine = 256

// statsWriter parses the UAPI get form as the device writes it. The form
// holds the private key, of which only the public half is kept, and the
// preshared keys, which are skipped: each line is parsed in place in a
// fixed buffer that is cleared at the end, so no key is copied into a
// string or a growing buffer that would linger in memory, and the device's
// own buffer is wiped once parsed.
type statsWriter struct {
	line   [maxStatsLine]byte
	n      int
	st     Stats
	peer   *PeerStats
	hsSec  int64
	hsNsec int64
	err    error
}

// Write parses p and then wipes it: the device hands over its pooled
// buffer, which holds the keys and is never cleared otherwise.
func (w *statsWriter) Write(p []byte) (int, error) {
	defer clear(p)
	n := len(p)
	for len(p) > 0 && w.err == nil {
		i := bytes.IndexByte(p, '\n')
		chunk := p
		if i >= 0 {
			chunk = p[:i]
		}
		if w.n+len(chunk) > len(w.line) {
			w.err = fmt.Errorf("a line from the device is longer than %d bytes", len(w.line))
			break
		}
		w.n += copy(w.line[w.n:], chunk)
		if i < 0 {
			break
		}
		p = p[i+1:]
		w.err = w.parseLine(w.line[:w.n])
		clear(w.line[:w.n])
		w.n = 0
	}
	return n, nil
}

// finish returns what was read and clears the buffer.
func (w *statsWriter) finish() (Stats, error) {
	clear(w.line[:])
	w.finishPeer()
	if w.err != nil {
		return Stats{}, w.err
	}
	if w.n != 0 {
		return Stats{}, errors.New("the device's answer ends in the middle of a line")
	}
	return w.st, nil
}

func (w *statsWriter) finishPeer() {
	if w.peer != nil && (w.hsSec != 0 || w.hsNsec != 0) {
		w.peer.LatestHandshake = time.Unix(w.hsSec, w.hsNsec)
	}
	w.hsSec, w.hsNsec = 0, 0
}

func (w *statsWriter) parseLine(line []byte) error {
	k, v, ok := bytes.Cut(line, []byte("="))
	if !ok {
		return nil
	}
	var err error
	switch string(k) {
	case "private_key":
		var priv importer.Key
		if hex.DecodedLen(len(v)) != len(priv) {
			err = hex.ErrLength
		} else if _, err = hex.Decode(priv[:], v); err == nil {
			w.st.PublicKey = priv.Public()
		}
		clear(priv[:])
	case "preshared_key":
	case "listen_port":
		var port uint64
		port, err = strconv.ParseUint(string(v), 10, 16)
		w.st.ListenPort = uint16(port)
	case "public_key":
		w.finishPeer()
		w.st.Peers = append(w.st.Peers, PeerStats{})
		w.peer = &w.st.Peers[len(w.st.Peers)-1]
		if hex.DecodedLen(len(v)) != len(w.peer.PublicKey) {
			err = hex.ErrLength
		} else {
			_, err = hex.Decode(w.peer.PublicKey[:], v)
		}
	}
	if peer := w.peer; peer != nil {
		switch string(k) {
		case "endpoint":
			peer.Endpoint, err = netip.ParseAddrPort(string(v))
		case "last_handshake_time_sec":
			w.hsSec, err = strconv.ParseInt(string(v), 10, 64)
		case "last_handshake_time_nsec":
			w.hsNsec, err = strconv.ParseInt(string(v), 10, 64)
		case "rx_bytes":
			peer.RxBytes, err = strconv.ParseUint(string(v), 10, 64)
		case "tx_bytes":
			peer.TxBytes, err = strconv.ParseUint(string(v), 10, 64)
		case "persistent_keepalive_interval":
			var ka uint64
			ka, err = strconv.ParseUint(string(v), 10, 16)
			peer.PersistentKeepalive = uint16(ka)
		case "allowed_ip":
			var p netip.Prefix
			if p, err = netip.ParsePrefix(string(v)); err == nil {
				peer.AllowedIPs = append(peer.AllowedIPs, p)
			}
		}
	}
	if err != nil {
		return fmt.Errorf("bad %s from the device", k)
	}
	return nil
}
