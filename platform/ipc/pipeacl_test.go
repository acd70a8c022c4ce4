package ipc

import "testing"

func TestWinPipeSDDLGrantsOperatorsNoPipeInstances(t *testing.T) {
	got := pipeSDDL("S-1-5-21-1-2-3-1001")
	want := "D:P(D;;GA;;;NU)(A;;GA;;;SY)(A;;GA;;;BA)(A;;0x12008b;;;NO)(A;;0x12008b;;;S-1-5-21-1-2-3-1001)"
	if got != want {
		t.Errorf("pipeSDDL = %s\nwant        %s", got, want)
	}
	const fileCreatePipeInstance = 0x4 // FILE_APPEND_DATA on a pipe
	if pipeClientAccess&fileCreatePipeInstance != 0 {
		t.Error("operators may create instances of the service's pipe")
	}
	if got := pipeSDDL(""); got != "D:P(D;;GA;;;NU)(A;;GA;;;SY)(A;;GA;;;BA)(A;;0x12008b;;;NO)" {
		t.Errorf("without an operator group: %s", got)
	}
}

func TestWinPeerRolesComeFromEnabledTokenGroups(t *testing.T) {
	const (
		user     = "S-1-5-21-1-2-3-1001"
		wgtray   = "S-1-5-21-1-2-3-1010"
		users    = "S-1-5-32-545"
		enabled  = winGroupEnabled | 0x3 // mandatory, enabled by default
		denyOnly = winGroupDenyOnly
	)
	for _, tc := range []struct {
		name           string
		user           string
		groups         []winGroup
		admin, operate bool
	}{
		{"LocalSystem", sidLocalSystem, nil, true, false},
		{"elevated administrator", user, []winGroup{{sidAdministrators, enabled}, {users, enabled}}, true, false},
		{"administrator not elevated", user, []winGroup{{sidAdministrators, denyOnly}, {users, enabled}}, false, false},
		{"Network Configuration Operators", user, []winGroup{{sidNetworkConfigurationOperators, enabled}}, false, true},
		{"operator group", user, []winGroup{{wgtray, enabled}}, false, true},
		{"operator group disabled in the token", user, []winGroup{{wgtray, 0}}, false, false},
		{"administrator not elevated in the operator group", user, []winGroup{{sidAdministrators, denyOnly}, {wgtray, enabled}}, false, true},
		{"plain user", user, []winGroup{{users, enabled}}, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := winPeer(tc.user, tc.groups, wgtray)
			if p.Admin != tc.admin || p.Operator != tc.operate || p.UID != tc.user {
				t.Errorf("winPeer = %+v, want admin %v operator %v uid %s", p, tc.admin, tc.operate, tc.user)
			}
		})
	}
	if p := winPeer(user, []winGroup{{wgtray, enabled}}, ""); p.Operator {
		t.Error("a member of a group is an operator while no operator group exists")
	}
}

func TestClientTrustsOnlyTheSystemsPipeOrOneItsOwnUserServesAtItsLevel(t *testing.T) {
	const user, other = "S-1-5-21-1-2-3-1001", "S-1-5-21-1-2-3-1002"
	medium := winProcess{User: user, Integrity: integrityMedium}
	high := winProcess{User: user, Integrity: integrityHigh}
	for _, tc := range []struct {
		name   string
		owner  string
		server *winProcess
		caller winProcess
		trust  bool
	}{
		{"owned by LocalSystem", sidLocalSystem, nil, medium, true},
		{"owned by Administrators", sidAdministrators, nil, high, true},
		{"served by the caller at its level", user, &medium, medium, true},
		{"served by the caller above its level", user, &high, medium, true},
		{"owned by a group, served by the caller (Wine)", "S-1-5-21-0-0-0-513", &high, high, true},
		{"served by the caller below its level", user, &medium, high, false},
		{"served by a low-integrity process of the caller", user, &winProcess{User: user, Integrity: integrityLow}, medium, false},
		{"served from an app container of the caller", user, &winProcess{User: user, Integrity: integrityMedium, AppContainer: true}, medium, false},
		{"served by another user", other, &winProcess{User: other, Integrity: integritySystem}, medium, false},
		{"owned by the caller, served by another user", user, &winProcess{User: other, Integrity: integrityHigh}, medium, false},
		{"server unreadable", user, nil, medium, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := pipeServerTrusted(tc.owner, tc.server, tc.caller)
			if (err == nil) != tc.trust {
				t.Errorf("trusted = %v (%v), want %v", err == nil, err, tc.trust)
			}
		})
	}
}
