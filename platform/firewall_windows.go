package platform

import (
	"slices"
)

// firewallSys is the kill switch on Windows: the filters of wfpFilters in a
// WFP sublayer of wgtray's own, added through a session that is not
// dynamic and marked persistent, so that they stay in force when the service
// dies and come back at boot before the service starts (fail-closed); the
// service reconciles them when it starts. Each change replaces all of them in
// one transaction, so there is never a moment without rules while blocking.
type firewallSys struct{}

func (firewallSys) apply(p FirewallPolicy) error {
	filters := p.wfpFilters()
	e, err := openWFP()
	if err != nil {
		return err
	}
	defer e.close()
	values := &wfpValues{luid: interfaceLUID}
	if slices.ContainsFunc(filters, func(f wfpFilter) bool {
		return slices.ContainsFunc(f.Conditions, func(c wfpCondition) bool { return c.Field == wfpServiceApp })
	}) {
		app, free, err := appID()
		if err != nil {
			return err
		}
		defer free()
		values.app = app
	}
	return e.transaction(func() error {
		if err := e.deleteFilters(); err != nil {
			return err
		}
		if filters == nil {
			return e.deleteSublayer()
		}
		if err := e.addSublayer(); err != nil {
			return err
		}
		n := 0
		for i, f := range filters {
			added, err := e.addFilter(n, f, uint64(len(filters)-i), values)
			if err != nil {
				return err
			}
			if added {
				n++
			}
		}
		return nil
	})
}

func (firewallSys) active() (bool, error) {
	e, err := openWFP()
	if err != nil {
		return false, err
	}
	defer e.close()
	return e.hasFilters()
}

func interfaceLUID(name string) (uint64, bool) {
	luid, err := luidByName(name)
	return uint64(luid), err == nil
}
