package firewall

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/expr"
	"github.com/google/nftables/userdata"
	"golang.org/x/sys/unix"
)

// FirewallTable is the nftables table (family inet) that holds all of the
// kill switch's rules. Nothing else is ever touched.
const FirewallTable = "wgtray"

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
	c, err := f.conn()
	if err != nil {
		return err
	}
	table := &nftables.Table{Name: FirewallTable, Family: nftables.TableFamilyINet}
	// Adding first makes the delete succeed whether or not the table
	// exists; the batch is one transaction, so no packet sees the gap.
	c.AddTable(table)
	c.DelTable(table)
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
