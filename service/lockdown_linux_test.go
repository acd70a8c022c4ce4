package service_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/service/api"
)

// A lockdown an administrator set is lifted only by an administrator, and a
// setting an administrator locked is changed only by one; operators switch
// between off and auto otherwise. Over the real socket, as root and as a
// member of the group wgtray, through the API and the command line; the
// lock survives a restart.
func TestKillSwitchLockdownOfAnAdminIsLiftedOnlyByAnAdmin(t *testing.T) {
	l := newServiceLab(t)
	op := l.newUser(t, "wgks", true, false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	put := func(body string) (int, string) {
		t.Helper()
		return op.curl(t, "PUT", "/v1/killswitch", body)
	}
	code := func(body string) string {
		var e api.ErrorBody
		_ = json.Unmarshal([]byte(body), &e)
		return e.Error.Code
	}
	asAdmin := func(mode api.KillSwitchMode, locked *bool) {
		t.Helper()
		var err error
		if locked != nil {
			_, err = l.root.SetKillSwitchLocked(ctx, mode, false, *locked)
		} else {
			_, err = l.root.SetKillSwitch(ctx, mode, false)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	yes, no := true, false
	for _, step := range []struct {
		what     string
		admin    func()
		body     string
		wantHTTP int
		wantCode string
	}{
		{"operator lifts the admin's lockdown", func() { asAdmin(api.KillSwitchAlways, nil) }, `{"mode":"off","allow_lan":false}`, http.StatusForbidden, api.CodeKillSwitchLocked},
		{"operator weakens the admin's lockdown to auto", nil, `{"mode":"auto","allow_lan":false}`, http.StatusForbidden, api.CodeKillSwitchLocked},
		{"operator opens the LAN in the admin's lockdown", nil, `{"mode":"always","allow_lan":true}`, http.StatusForbidden, api.CodeKillSwitchLocked},
		{"operator repeats the admin's lockdown", nil, `{"mode":"always","allow_lan":false}`, http.StatusOK, ""},
		{"operator turns off the admin's auto", func() { asAdmin(api.KillSwitchAuto, nil) }, `{"mode":"off","allow_lan":false}`, http.StatusOK, ""},
		{"operator turns auto back on", nil, `{"mode":"auto","allow_lan":false}`, http.StatusOK, ""},
		{"operator sets a lockdown", nil, `{"mode":"always","allow_lan":false}`, http.StatusOK, ""},
		{"operator lifts an operator's lockdown", nil, `{"mode":"off","allow_lan":false}`, http.StatusOK, ""},
		{"operator locks the setting", nil, `{"mode":"off","allow_lan":false,"locked":true}`, http.StatusForbidden, api.CodeKillSwitchLocked},
		{"operator turns off what the admin locked on auto", func() { asAdmin(api.KillSwitchAuto, &yes) }, `{"mode":"off","allow_lan":false}`, http.StatusForbidden, api.CodeKillSwitchLocked},
		{"operator unlocks the setting", nil, `{"mode":"auto","allow_lan":false,"locked":false}`, http.StatusForbidden, api.CodeKillSwitchLocked},
	} {
		if step.admin != nil {
			step.admin()
		}
		before, err := l.root.KillSwitch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		status, body := put(step.body)
		if status != step.wantHTTP || code(body) != step.wantCode {
			t.Errorf("%s: %d %s, want %d %q", step.what, status, body, step.wantHTTP, step.wantCode)
		}
		after, err := l.root.KillSwitch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if step.wantHTTP != http.StatusOK && after != before {
			t.Errorf("%s: refused, yet the setting went from %+v to %+v", step.what, before, after)
		}
	}

	// The lock is still on after a restart; the operator sees it as locked,
	// and the command line says who can change it.
	l.kill9()
	l.start()
	status, body := op.curl(t, "GET", "/v1/killswitch", "")
	var ks api.KillSwitch
	if err := json.Unmarshal([]byte(body), &ks); status != http.StatusOK || err != nil {
		t.Fatalf("GET /v1/killswitch as operator: %d %s", status, body)
	}
	if !ks.Locked || ks.Changeable || ks.Mode != api.KillSwitchAuto {
		t.Errorf("after a restart the operator sees %+v, want auto, locked, not changeable", ks)
	}
	if mine, err := l.root.KillSwitch(ctx); err != nil || !mine.Changeable {
		t.Errorf("the admin sees %+v, %v: want changeable", mine, err)
	}
	out := op.wgtrayd(t, "killswitch")
	if !strings.Contains(out, "set by an administrator; only an administrator can change it") {
		t.Errorf("wgtrayd killswitch as operator does not say who can change the locked setting:\n%s", out)
	}
	stdout, stderr, err := op.run(t, l.bin, "killswitch", "off")
	if err == nil || !strings.Contains(stderr, "only an administrator can change it") || !strings.Contains(stderr, "sudo wgtrayd killswitch") {
		t.Errorf("wgtrayd killswitch off as operator on a locked setting: %v\n%s%s", err, stdout, stderr)
	}
	asAdmin(api.KillSwitchOff, &no)
	if out := op.wgtrayd(t, "killswitch", "auto"); !strings.Contains(out, "kill switch: auto") || !strings.Contains(out, "any operator or administrator") {
		t.Errorf("wgtrayd killswitch auto as operator after the admin unlocked it:\n%s", out)
	}
}
