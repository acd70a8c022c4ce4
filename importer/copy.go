package importer

import "slices"

// Clone returns a deep copy of c.
func (c *Config) Clone() *Config {
	n := *c
	i := &n.Interface
	i.Addresses = slices.Clone(i.Addresses)
	i.DNS = slices.Clone(i.DNS)
	i.DNSSearch = slices.Clone(i.DNSSearch)
	i.PreUp = slices.Clone(i.PreUp)
	i.PostUp = slices.Clone(i.PostUp)
	i.PreDown = slices.Clone(i.PreDown)
	i.PostDown = slices.Clone(i.PostDown)
	n.Peers = slices.Clone(c.Peers)
	for k := range n.Peers {
		n.Peers[k].AllowedIPs = slices.Clone(n.Peers[k].AllowedIPs)
	}
	return &n
}

// Equal reports whether c and o hold the same settings; a nil list and an
// empty one are equal.
func (c *Config) Equal(o *Config) bool {
	a, b := &c.Interface, &o.Interface
	if a.PrivateKey != b.PrivateKey || a.ListenPort != b.ListenPort || a.FwMark != b.FwMark ||
		a.MTU != b.MTU || a.Table != b.Table || a.SaveConfig != b.SaveConfig ||
		!slices.Equal(a.Addresses, b.Addresses) || !slices.Equal(a.DNS, b.DNS) ||
		!slices.Equal(a.DNSSearch, b.DNSSearch) || !slices.Equal(a.PreUp, b.PreUp) ||
		!slices.Equal(a.PostUp, b.PostUp) || !slices.Equal(a.PreDown, b.PreDown) ||
		!slices.Equal(a.PostDown, b.PostDown) {
		return false
	}
	return slices.EqualFunc(c.Peers, o.Peers, func(p, q Peer) bool {
		return p.PublicKey == q.PublicKey && p.PresharedKey == q.PresharedKey && p.Endpoint == q.Endpoint &&
			p.PersistentKeepalive == q.PersistentKeepalive && slices.Equal(p.AllowedIPs, q.AllowedIPs)
	})
}
