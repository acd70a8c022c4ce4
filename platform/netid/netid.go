// Package netid identifies the network this machine reaches the internet
// through, by what a nearby attacker cannot fake cheaply: the default
// gateway's MAC address (and the IPv6 router's link-local address), with
// the Wi-Fi SSID where there is one. It also watches for changes, so that
// tunnels meant only for untrusted networks follow the laptop around.
package netid

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Identity is what identifies the current network. The zero Identity is an
// unknown network (no default route, or a gateway whose MAC is not known
// yet): it is never trusted.
type Identity struct {
	// Interface carries the default route.
	Interface string `json:"interface,omitempty"`
	// Gateway is the default gateway (IPv4, else the IPv6 router).
	Gateway netip.Addr `json:"gateway,omitzero"`
	// GatewayMAC is the gateway's link-layer address, lower case
	// ("aa:bb:cc:dd:ee:ff").
	GatewayMAC string `json:"gateway_mac,omitempty"`
	// Router6 is the IPv6 default router's link-local address, if any.
	Router6 netip.Addr `json:"router6,omitzero"`
	// SSID is the Wi-Fi network's name when Interface is Wi-Fi and the
	// OS says which (NetworkManager, the WLAN API; not on macOS).
	SSID string `json:"ssid,omitempty"`
}

// Known reports whether the identity names a network at all: a default
// gateway whose MAC address is known.
func (id Identity) Known() bool { return id.GatewayMAC != "" }

func (id Identity) String() string {
	if !id.Known() {
		return "unknown network"
	}
	s := "gateway " + id.GatewayMAC
	if id.SSID != "" {
		s = fmt.Sprintf("Wi-Fi %q, %s", id.SSID, s)
	}
	return s
}

// Network is one trusted network: each field that is set must match.
// A network with only an SSID is weak: anyone nearby can name a Wi-Fi
// network so.
type Network struct {
	GatewayMAC string     `json:"gateway_mac,omitempty"`
	Router6    netip.Addr `json:"router6,omitzero"`
	SSID       string     `json:"ssid,omitempty"`
}

// Of is the trusted network that matches the identity id: its gateway's
// MAC, IPv6 router and SSID.
func Of(id Identity) Network {
	return Network{GatewayMAC: id.GatewayMAC, Router6: id.Router6, SSID: id.SSID}
}

// SSIDOnly reports whether n trusts a Wi-Fi name alone, which a nearby
// attacker can fake to turn a VPN off.
func (n Network) SSIDOnly() bool { return n.SSID != "" && n.GatewayMAC == "" }

// Valid reports whether n names anything.
func (n Network) Valid() bool { return n.GatewayMAC != "" || n.SSID != "" }

// Matches reports whether id is this network. Doubt favours the VPN: an
// unknown network matches nothing, and a recorded IPv6 router must be the
// current one when the network has an IPv6 router at all.
func (n Network) Matches(id Identity) bool {
	if !n.Valid() || !id.Known() {
		return false
	}
	if n.GatewayMAC != "" && n.GatewayMAC != id.GatewayMAC {
		return false
	}
	if n.SSID != "" && n.SSID != id.SSID {
		return false
	}
	if n.Router6.IsValid() && id.Router6.IsValid() && n.Router6 != id.Router6 {
		return false
	}
	return true
}

// ParseMAC reads a MAC address as the user types it (any case, colons or
// dashes) and returns it in the form Identity uses.
func ParseMAC(s string) (string, error) {
	hw, err := net.ParseMAC(strings.TrimSpace(s))
	if err != nil || len(hw) != 6 {
		return "", fmt.Errorf("%q is not a MAC address: write it as aa:bb:cc:dd:ee:ff", s)
	}
	return hw.String(), nil
}

// settle is how long after a change the identity is read again: a move
// changes routes, addresses and neighbours in a burst.
const settle = 150 * time.Millisecond

// Watch sends the current identity at once and again whenever it changes,
// until stop is closed; then it closes the channel. Errors reading the
// identity are sent as the unknown identity (doubt favours the VPN).
func Watch(stop <-chan struct{}) (<-chan Identity, error) {
	changes, err := subscribe(stop)
	if err != nil {
		return nil, fmt.Errorf("watch the network: %w", err)
	}
	out := make(chan Identity, 1)
	go func() {
		defer close(out)
		last, _ := Current()
		select {
		case out <- last:
		case <-stop:
			drain(changes)
			return
		}
		var timer <-chan time.Time
		for {
			select {
			case <-stop:
				drain(changes)
				return
			case _, ok := <-changes:
				if !ok {
					return
				}
				// Read 150 ms after the first change of a burst, not
				// after the last: a steady trickle of neighbour updates
				// (traffic through the gateway) must not hold the read
				// off for ever.
				if timer == nil {
					timer = time.After(settle)
				}
			case <-timer:
				timer = nil
				id, _ := Current()
				if id == last {
					continue
				}
				last = id
				select {
				case out <- id:
				case <-stop:
					drain(changes)
					return
				}
			}
		}
	}()
	return out, nil
}

func drain(c <-chan struct{}) {
	for range c {
	}
}
