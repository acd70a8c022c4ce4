package netconf

import (
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/vishvananda/netlink"
)

type networkRecord struct {
	Interface string
	Rules     []ruleRecord
}

type ruleRecord struct {
	Family            int
	Table             int
	Mark              uint32
	Invert            bool
	SuppressPrefixlen int
}

func recordRules(rules []*netlink.Rule) []ruleRecord {
	out := make([]ruleRecord, len(rules))
	for i, r := range rules {
		out[i] = ruleRecord{Family: r.Family, Table: r.Table, Mark: r.Mark, Invert: r.Invert, SuppressPrefixlen: r.SuppressPrefixlen}
	}
	return out
}

func (r ruleRecord) rule() *netlink.Rule {
	nr := netlink.NewRule()
	nr.Family, nr.Table, nr.Mark, nr.Invert, nr.SuppressPrefixlen = r.Family, r.Table, r.Mark, r.Invert, r.SuppressPrefixlen
	return nr
}

// RecoverNetwork undoes the routing rules and DNS changes that tunnels of a
// crashed process left, as recorded in stateDir. Call it when the service
// starts, before it brings up any tunnel.
func RecoverNetwork(stateDir string, log *slog.Logger) error {
	return recoverRecords(stateDir, log, map[string]func([]byte) error{
		networkRecordKind: recoverRules,
		dnsRecordKind:     func(data []byte) error { return recoverDNS(data, stateDir, log) },
	})
}

func recoverRules(data []byte) error {
	var rec networkRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return err
	}
	var errs []error
	for _, r := range rec.Rules {
		if err := netlink.RuleDel(r.rule()); err != nil && !gone(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
