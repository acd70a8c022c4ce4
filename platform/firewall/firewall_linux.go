package firewall

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"net"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"golang.org/x/sys/unix"
)

// FirewallTable is the nftables table (family inet) that holds all of the
// kill switch's rules. Nothing else is ever touched but TrustedTable.
const FirewallTable = "wgtray"

// TrustedTable is the nftables table (family netdev) that, while the
// policy has a trusted way out, lets the trusted interface send to no
// other router than the trusted gateway's MAC address (egress hook).
const TrustedTable = "wgtray_trusted"

// firewallSys is the kill switch on Linux: one nftables table of its own,
// written through netlink. The rules are kernel state, so they stay in
// force when the service dies.
type firewallSys struct {
	netns int // a network namespace fd for tests; 0 is the caller's
}

// newFirewallSys ignores log: nftables rules do nothing on their own.
func newFirewallSys(*slog.Logger) firewallSys { return firewallSys{} }

func (f firewallSys) conn() (*nftables.Conn, error) {
	var opts []nftables.ConnOption
	if f.netns != 0 {
		opts = append(opts, nftables.WithNetNSFd(f.netns))
	}
	c, err := nftables.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("kill switch: open netlink: %w", err)
	}
	return c, nil
}

// apply replaces the whole table in one atomic batch, so there is never a
// moment without rules while blocking; a policy that does not block
// removes the table.
func (f firewallSys) apply(p FirewallPolicy) error {
	if !p.Blocking() {
		// Nothing to remove: leave nftables alone, so that off works
		// even where nf_tables is missing.
		if active, err := f.active(); err == nil && !active {
			return nil
		}
	}
	err := f.write(p, true)
	if err != nil && p.Blocking() && p.Trusted != nil && p.Trusted.GatewayMAC != "" {
		// The egress hook needs the interface (gone at boot, or after a
		// move) and Linux 5.16: the inet rules alone still hold the
		// trusted way to its interface and next hop.
		err = f.write(p, false)
	}
	return err
}

// write replaces the kill switch's tables in one batch; egress adds the
// trusted interface's check of the router's MAC address.
func (f firewallSys) write(p FirewallPolicy, egress bool) error {
	c, err := f.conn()
	if err != nil {
		return err
	}
	table := &nftables.Table{Name: FirewallTable, Family: nftables.TableFamilyINet}
	trusted := &nftables.Table{Name: TrustedTable, Family: nftables.TableFamilyNetdev}
	// Adding first makes the delete succeed whether or not the table
	// exists; the batch is one transaction, so no packet sees the gap.
	c.AddTable(table)
	c.DelTable(table)
	c.AddTable(trusted)
	c.DelTable(trusted)
	if w := p.Trusted; egress && p.Blocking() && w != nil && w.GatewayMAC != "" {
		addTrustedEgress(c, trusted, *w)
	}
	if p.Blocking() {
		c.AddTable(table)
		chains := map[FirewallHook]*nftables.Chain{}
		for _, def := range []struct {
			hook FirewallHook
			name string
			num  *nftables.ChainHook
		}{
			{HookOutbound, "output", nftables.ChainHookOutput},
			{HookInbound, "input", nftables.ChainHookInput},
			{HookForwarded, "forward", nftables.ChainHookForward},
		} {
			drop := nftables.ChainPolicyDrop
			chains[def.hook] = c.AddChain(&nftables.Chain{
				Name:     def.name,
				Table:    table,
				Type:     nftables.ChainTypeFilter,
				Hooknum:  def.num,
				Priority: nftables.ChainPriorityFilter,
				Policy:   &drop,
			})
		}
		for _, r := range p.Rules() {
			c.AddRule(&nftables.Rule{
				Table:    table,
				Chain:    chains[r.Hook],
				Exprs:    nftExprs(r),
				UserData: userdata.AppendString(nil, userdata.TypeComment, r.Why),
			})
		}
	}
	if err := c.Flush(); err != nil {
		return fmt.Errorf("kill switch: write nftables table %s: %w (is the nf_tables module available?)", FirewallTable, err)
	}
	return nil
}

func (f firewallSys) active() (bool, error) {
	c, err := f.conn()
	if err != nil {
		return false, err
	}
	tables, err := c.ListTablesOfFamily(nftables.TableFamilyINet)
	if err != nil {
		return false, fmt.Errorf("kill switch: list nftables tables: %w", err)
	}
	for _, t := range tables {
		if t.Name == FirewallTable {
			return true, nil
		}
	}
	return false, nil
}

// nftExprs translates one rule into nftables expressions; matches load into
// register 1 and compare, the verdict comes last.
// ctDirReply is conntrack's IP_CT_DIR_REPLY: the direction of answers.
const ctDirReply = 1

func nftExprs(r FirewallRule) []expr.Any {
	var es []expr.Any
	match := func(load expr.Any, data []byte) {
		es = append(es, load, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: data})
	}
	ifKey := expr.MetaKeyOIFNAME
	if r.Hook == HookInbound {
		ifKey = expr.MetaKeyIIFNAME
	}
	switch {
	case r.Loopback:
		match(&expr.Meta{Key: ifKey, Register: 1}, ifname("lo"))
	case r.Interface != "":
		match(&expr.Meta{Key: ifKey, Register: 1}, ifname(r.Interface))
	}
	if r.Mark != 0 {
		mark := make([]byte, 4)
		binary.NativeEndian.PutUint32(mark, r.Mark)
		match(&expr.Meta{Key: expr.MetaKeyMARK, Register: 1}, mark)
	}
	if r.Service {
		match(&expr.Meta{Key: expr.MetaKeySKUID, Register: 1}, make([]byte, 4)) // uid 0
	}
	if r.Established {
		es = append(es,
			&expr.Ct{Key: expr.CtKeySTATE, Register: 1},
			&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
				Mask: binary.NativeEndian.AppendUint32(nil, expr.CtStateBitESTABLISHED|expr.CtStateBitRELATED),
				Xor:  make([]byte, 4)},
			&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)})
	}
	if r.Reply {
		match(&expr.Ct{Key: expr.CtKeyDIRECTION, Register: 1}, []byte{ctDirReply})
	}
	switch r.IPFamily() {
	case 4:
		match(&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1}, []byte{unix.NFPROTO_IPV4})
	case 6:
		match(&expr.Meta{Key: expr.MetaKeyNFPROTO, Register: 1}, []byte{unix.NFPROTO_IPV6})
	}
	if r.NextHop.Is4() {
		match(&expr.Rt{Register: 1, Key: expr.RtNexthop4}, r.NextHop.AsSlice())
	} else if r.NextHop.Is6() {
		match(&expr.Rt{Register: 1, Key: expr.RtNexthop6}, r.NextHop.AsSlice())
	}
	if r.Protocol != 0 {
		match(&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1}, []byte{r.Protocol})
	}
	if r.Remote.IsValid() {
		es = append(es, remoteExprs(r.Remote, r.Hook == HookInbound)...)
	}
	remotePort, localPort := uint32(2), uint32(0) // dport, sport offsets
	if r.Hook == HookInbound {
		remotePort, localPort = 0, 2
	}
	if r.RemotePort != 0 {
		match(&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: remotePort, Len: 2},
			binary.BigEndian.AppendUint16(nil, r.RemotePort))
	}
	if r.LocalPort != 0 {
		match(&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: localPort, Len: 2},
			binary.BigEndian.AppendUint16(nil, r.LocalPort))
	}
	if r.Protocol == ProtoICMPv6 && r.ICMPv6Type != 0 {
		match(&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 0, Len: 1}, []byte{r.ICMPv6Type})
	}
	if r.OnLink {
		match(&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 7, Len: 1}, []byte{255})
	}
	switch {
	case r.Action == Accept:
		es = append(es, &expr.Verdict{Kind: expr.VerdictAccept})
	case r.Protocol == ProtoTCP:
		es = append(es, &expr.Reject{Type: unix.NFT_REJECT_TCP_RST})
	default:
		es = append(es, &expr.Reject{Type: unix.NFT_REJECT_ICMPX_UNREACH, Code: unix.NFT_REJECT_ICMPX_ADMIN_PROHIBITED})
	}
	return es
}

// remoteExprs match the destination (or, inbound, the source) address
// against a prefix; the family has been matched before.
func remoteExprs(p netip.Prefix, source bool) []expr.Any {
	offset := uint32(16) // IPv4 daddr
	switch {
	case p.Addr().Is4() && source:
		offset = 12
	case p.Addr().Is6() && source:
		offset = 8
	case p.Addr().Is6():
		offset = 24
	}
	size := uint32(p.Addr().BitLen() / 8)
	es := []expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: size}}
	if p.Bits() < p.Addr().BitLen() {
		es = append(es, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: size,
			Mask: prefixMask(p.Bits(), int(size)), Xor: make([]byte, size)})
	}
	return append(es, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.Masked().Addr().AsSlice()})
}

func prefixMask(bits, size int) []byte {
	m := make([]byte, size)
	for i := range bits {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return m
}

// ifname is an interface name as the kernel compares it: NUL-padded to
// IFNAMSIZ.
func ifname(name string) []byte {
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return b
}

// addTrustedEgress adds the egress chain of the trusted interface: unicast
// IP that leaves it for anywhere but the LAN ranges must go to the trusted
// gateway's MAC address, and nothing goes to the gateway's address at
// another MAC. A move to another router on the same interface (even one
// with the same address) is dropped from its first packet, before the
// service has noticed it.
func addTrustedEgress(c *nftables.Conn, table *nftables.Table, w TrustedWay) {
	mac, _ := net.ParseMAC(w.GatewayMAC) // Validate checked it
	c.AddTable(table)
	accept := nftables.ChainPolicyAccept
	chain := c.AddChain(&nftables.Chain{
		Name: "egress", Table: table, Type: nftables.ChainTypeFilter,
		Hooknum: nftables.ChainHookEgress, Priority: nftables.ChainPriorityFilter,
		Device: w.Interface, Policy: &accept,
	})
	rule := func(why string, es ...expr.Any) {
		c.AddRule(&nftables.Rule{Table: table, Chain: chain, Exprs: es, UserData: userdata.AppendString(nil, userdata.TypeComment, why)})
	}
	eq := func(data []byte) *expr.Cmp { return &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: data} }
	etherDst := &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseLLHeader, Offset: 0, Len: 6}
	protocol := func(ethertype uint16) []expr.Any {
		return []expr.Any{&expr.Meta{Key: expr.MetaKeyPROTOCOL, Register: 1}, eq(binary.BigEndian.AppendUint16(nil, ethertype))}
	}
	family := func(a netip.Addr) []expr.Any {
		if a.Is4() {
			return protocol(unix.ETH_P_IP)
		}
		return protocol(unix.ETH_P_IPV6)
	}
	accepted := &expr.Verdict{Kind: expr.VerdictAccept}
	dropped := &expr.Verdict{Kind: expr.VerdictDrop}

	rule("to the trusted gateway", etherDst, eq(mac), accepted)
	for _, gw := range []netip.Addr{w.Gateway, w.Router6} {
		if gw.IsValid() {
			es := append(family(gw), remoteExprs(netip.PrefixFrom(gw, gw.BitLen()), false)...)
			rule("the trusted gateway's address at another MAC: another router", append(es, dropped)...)
		}
	}
	rule("broadcast and multicast",
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseLLHeader, Offset: 0, Len: 1},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 1, Mask: []byte{1}, Xor: []byte{0}},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: []byte{0}}, accepted)
	for _, pfx := range LANPrefixes {
		es := append(family(pfx.Addr()), remoteExprs(pfx, false)...)
		rule("a host on the LAN", append(es, accepted)...)
	}
	rule("IPv4 to another router", append(protocol(unix.ETH_P_IP), dropped)...)
	rule("IPv6 to another router", append(protocol(unix.ETH_P_IPV6), dropped)...)
}
