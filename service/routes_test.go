package service

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/service/api"
)

// The server serves exactly the routes of api.Routes, which the client
// calls: each one reaches a handler, and every other method on their paths
// is answered 405.
func TestServerServesTheRouteTableAndRefusesOtherMethods(t *testing.T) {
	h := newHarness(t, t.TempDir())
	handler := h.srv.http.Handler
	serve := func(method, path string) *httptest.ResponseRecorder {
		ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
		defer cancel()
		r := httptest.NewRequestWithContext(ctx, method, "http://wgtray"+path, strings.NewReader("{}"))
		r.Header.Set("Content-Type", "application/json")
		r = r.WithContext(context.WithValue(r.Context(), peerKey{}, ipc.Peer{UID: "0", Operator: true, Admin: true}))
		w := httptest.NewRecorder()
		handler.ServeHTTP(w, r)
		return w
	}
	methods := map[string][]string{}
	for _, rt := range api.Routes {
		methods[rt.Path] = append(methods[rt.Path], rt.Method)
		w := serve(rt.Method, rt.URL("absent", nil))
		if w.Code == http.StatusMethodNotAllowed || strings.Contains(w.Body.String(), "there is no API") {
			t.Errorf("%s: %d %s", rt.Pattern(), w.Code, w.Body)
		}
	}
	for path, served := range methods {
		for _, m := range []string{"GET", "POST", "PUT", "DELETE", "PATCH"} {
			if slices.Contains(served, m) {
				continue
			}
			if w := serve(m, api.Route{Path: path}.URL("absent", nil)); w.Code != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: %d, want 405", m, path, w.Code)
			}
		}
	}
}
