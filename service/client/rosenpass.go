package client

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"github.com/cloudflare/circl/kem/mceliece/mceliece460896"

	"github.com/wgtray/wgtray/service/api"
)

// A Rosenpass secret key (13,608 bytes) is more than the Windows Credential
// Manager holds in one item (2,560 bytes), so it is kept split: its base64
// in items of rosenpassPart characters, NAME/rosenpass/0, /1, ... (nine in
// all), in the same key store as the tunnel's WireGuard keys. No file
// holds it, unless the user chose --key-store=file for all keys.
const (
	rosenpassPart      = 2048
	rosenpassSecretLen = 13608
	rosenpassPublicLen = 524160
)

func rosenpassItem(name string, i int) string { return name + "/rosenpass/" + strconv.Itoa(i) }

func rosenpassParts() int {
	n := base64.StdEncoding.EncodedLen(rosenpassSecretLen)
	return (n + rosenpassPart - 1) / rosenpassPart
}

// rosenpassSecret reads the tunnel's Rosenpass secret key from the key
// store; nil without error when it has none.
func (c *Client) rosenpassSecret(name string) ([]byte, error) {
	var text []byte
	defer func() { clear(text) }()
	for i := range rosenpassParts() {
		part, err := c.keys.Get(rosenpassItem(name, i))
		if errors.Is(err, ErrNoKeys) && i == 0 {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("the Rosenpass secret key of %s: %w", name, err)
		}
		text = append(text, part...)
	}
	sk := make([]byte, rosenpassSecretLen+3)
	n, err := base64.StdEncoding.Decode(sk, text)
	if err != nil || n != rosenpassSecretLen {
		clear(sk)
		return nil, fmt.Errorf("the Rosenpass secret key of %s in your key store is damaged; turn Rosenpass on again to make a new key pair", name)
	}
	return sk[:n], nil
}

func (c *Client) storeRosenpassSecret(name string, sk []byte) error {
	text := []byte(base64.StdEncoding.EncodeToString(sk))
	defer clear(text)
	for i := range rosenpassParts() {
		part := text[min(i*rosenpassPart, len(text)):min((i+1)*rosenpassPart, len(text))]
		if err := c.keys.Set(rosenpassItem(name, i), string(part)); err != nil {
			return fmt.Errorf("keep the Rosenpass secret key of %s: %w", name, err)
		}
	}
	return nil
}

func (c *Client) deleteRosenpassSecret(name string) error {
	var errs []error
	for i := range rosenpassParts() {
		if err := c.keys.Delete(rosenpassItem(name, i)); err != nil && !errors.Is(err, ErrNoKeys) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// rosenpassKeyPair makes sure the tunnel has a Rosenpass key pair: its
// secret key in the key store and its public key with the service. It
// returns a new public key to send to the service, nil when both exist.
func (c *Client) rosenpassKeyPair(ctx context.Context, name string) ([]byte, error) {
	sk, err := c.rosenpassSecret(name)
	if err != nil {
		return nil, err
	}
	if sk != nil {
		clear(sk)
		var k api.RosenpassKey
		if err := c.do(ctx, api.RouteRosenpassKey, name, nil, nil, &k); err != nil {
			return nil, err
		}
		if len(k.PublicKey) == rosenpassPublicLen {
			return nil, nil
		}
	}
	pk, sk, err := rosenpassKeyPair()
	if err != nil {
		return nil, fmt.Errorf("make a Rosenpass key pair for %s: %w", name, err)
	}
	defer clear(sk)
	if err := c.storeRosenpassSecret(name, sk); err != nil {
		return nil, err
	}
	return pk, nil
}

// RosenpassOn turns Rosenpass on for a peer of the tunnel: peerKey is the
// peer's Rosenpass public key, endpoint its HOST:PORT ("" for the peer's
// WireGuard host and port 9999). The tunnel's own key pair is made on first
// use. It takes effect at the next up.
func (c *Client) RosenpassOn(ctx context.Context, name, peer string, peerKey []byte, endpoint string) (api.Tunnel, error) {
	if len(peerKey) != rosenpassPublicLen {
		return api.Tunnel{}, fmt.Errorf("the peer's Rosenpass public key is %d bytes, not %d: use the server's pqpk file", len(peerKey), rosenpassPublicLen)
	}
	pk, err := c.rosenpassKeyPair(ctx, name)
	if err != nil {
		return api.Tunnel{}, err
	}
	var t api.Tunnel
	err = c.do(ctx, api.RouteRosenpass, name, nil, api.RosenpassRequest{PublicKey: pk, Peer: peer, PeerPublicKey: peerKey, Endpoint: endpoint}, &t)
	return t, err
}

// RosenpassOff turns Rosenpass off for a peer of the tunnel.
func (c *Client) RosenpassOff(ctx context.Context, name, peer string) (api.Tunnel, error) {
	var t api.Tunnel
	err := c.do(ctx, api.RouteRosenpass, name, nil, api.RosenpassRequest{Peer: peer, Off: true}, &t)
	return t, err
}

// RosenpassPublicKey is the tunnel's Rosenpass public key (524,160 bytes),
// for the server's admin; the key pair is made on first use.
func (c *Client) RosenpassPublicKey(ctx context.Context, name string) ([]byte, error) {
	pk, err := c.rosenpassKeyPair(ctx, name)
	if err != nil {
		return nil, err
	}
	if pk != nil {
		if err := c.do(ctx, api.RouteRosenpass, name, nil, api.RosenpassRequest{PublicKey: pk}, nil); err != nil {
			return nil, err
		}
		return pk, nil
	}
	var k api.RosenpassKey
	err = c.do(ctx, api.RouteRosenpassKey, name, nil, nil, &k)
	return k.PublicKey, err
}

// rosenpassKeyPair makes a Classic McEliece 460896 key pair, Rosenpass's
// static keys, in the encoding go-rosenpass reads. It uses circl's scheme
// directly: go-rosenpass itself links its eBPF and network code, which the
// unprivileged programs (the tray agent above all) have no use for.
func rosenpassKeyPair() (public, secret []byte, err error) {
	pk, sk, err := mceliece460896.Scheme().GenerateKeyPair()
	if err != nil {
		return nil, nil, err
	}
	if public, err = pk.MarshalBinary(); err != nil {
		return nil, nil, err
	}
	if secret, err = sk.MarshalBinary(); err != nil {
		return nil, nil, err
	}
	return public, secret, nil
}
