// Package importer holds the wg-quick configuration model: parsing,
// validation, canonical serialization, the split into secrets and a redacted
// form, and the UAPI text wireguard-go takes. It also reads .zip bundles and
// QR images. It does no I/O beyond the bytes it is handed.
package importer

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"filippo.io/edwards25519"
)

// Config is one tunnel: an [Interface] section and its [Peer] sections.
type Config struct {
	Interface Interface
	Peers     []Peer
}

// Interface is the [Interface] section of a wg-quick file.
type Interface struct {
	PrivateKey Key // zero in a redacted config
	ListenPort uint16
	FwMark     uint32 // 0 means off
	Addresses  []netip.Prefix
	DNS        []netip.Addr
	DNSSearch  []string
	MTU        int // 0 means automatic
	Table      Table
	PreUp      []string
	PostUp     []string
	PreDown    []string
	PostDown   []string
	SaveConfig bool
}

// hook is one kind of wg-quick script with its commands, in file order.
type hook struct {
	key      string
	commands []string
}

// hooks are the interface's scripts in the order wg-quick runs them.
func (i *Interface) hooks() []hook {
	return []hook{{"PreUp", i.PreUp}, {"PostUp", i.PostUp}, {"PreDown", i.PreDown}, {"PostDown", i.PostDown}}
}

// NotApplied lists, a sentence each, what the config asks for that wgtray
// keeps but does not do; nil when there is nothing. Clients show it at
// import, the service logs it when the tunnel comes up. Scripts are not
// run because the service would run them as root for whoever imported the
// tunnel.
func (c *Config) NotApplied() []string {
	var notes, scripts []string
	for _, h := range c.Interface.hooks() {
		if len(h.commands) > 0 {
			scripts = append(scripts, h.key)
		}
	}
	if len(scripts) > 0 {
		notes = append(notes, strings.Join(scripts, ", ")+" kept but not run: wgtray runs no scripts, as they would run as root")
	}
	if c.Interface.SaveConfig {
		notes = append(notes, "SaveConfig kept but without effect: wgtray stores the tunnel itself")
	}
	return notes
}

// Peer is one [Peer] section.
type Peer struct {
	PublicKey           Key
	PresharedKey        Key // zero when the peer has none, and in a redacted config
	AllowedIPs          []netip.Prefix
	Endpoint            Endpoint
	PersistentKeepalive uint16 // seconds; 0 means off
}

// Key is a Curve25519 key as WireGuard uses it.
type Key [32]byte

// ParseKey decodes the base64 form wg(8) prints.
func ParseKey(s string) (Key, error) {
	var k Key
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != len(k) {
		return k, fmt.Errorf("a key is 44 characters of base64 for 32 bytes, as `wg genkey` prints it")
	}
	copy(k[:], b)
	return k, nil
}

// GenerateKey returns a new private key, clamped as wg genkey does.
func GenerateKey() (Key, error) {
	var k Key
	if _, err := rand.Read(k[:]); err != nil {
		return k, fmt.Errorf("generate key: %w", err)
	}
	k[0] &= 248
	k[31] = (k[31] & 127) | 64
	return k, nil
}

func (k Key) String() string { return base64.StdEncoding.EncodeToString(k[:]) }

// Hex is the form the UAPI uses.
func (k Key) Hex() string { return hex.EncodeToString(k[:]) }

// IsZero reports whether k is unset.
func (k Key) IsZero() bool { return k == Key{} }

// Public derives the public key of a private key.
// It multiplies the Edwards base point with a precomputed table and maps
// the result to Montgomery form: the same key as X25519 with the base
// point, about four times faster, which Parse needs for its check that no
// peer is the interface itself.
func (k Key) Public() Key {
	s, err := new(edwards25519.Scalar).SetBytesWithClamping(k[:])
	if err != nil {
		panic(err) // unreachable: k is 32 bytes
	}
	return Key(new(edwards25519.Point).ScalarBaseMult(s).BytesMontgomery())
}

// Endpoint is a peer's host and port. Host is an IP literal (without
// brackets) or a DNS name; an empty Host means the peer has no endpoint.
type Endpoint struct {
	Host string
	Port uint16
}

// IsZero reports whether the endpoint is unset.
func (e Endpoint) IsZero() bool { return e.Host == "" }

func (e Endpoint) String() string {
	if e.IsZero() {
		return ""
	}
	return net.JoinHostPort(e.Host, strconv.Itoa(int(e.Port)))
}

// Table is wg-quick's Table setting. The zero value is "auto".
type Table struct {
	Off bool
	ID  uint32 // a routing table number when not zero
}

func (t Table) String() string {
	switch {
	case t.Off:
		return "off"
	case t.ID != 0:
		return strconv.FormatUint(uint64(t.ID), 10)
	default:
		return "auto"
	}
}
