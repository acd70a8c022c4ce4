package service

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/service/api"
)

// Keys made with wg genkey / wg pubkey for the seeds.
const (
	fuzzPriv = "+HEKC1gzD6J9I398fAiVxQCuESDUJxkLx+VWakQgaF4="
	fuzzPub  = "LEfmP9WpitCG0z78vz0YrGsCsHBMl424MJQNS53Zw1I="
	fuzzPeer = "JzPY7FImwY86pr+OopAYjwidUa2TTvQUaxg6Eaii6wQ="
)

// FuzzAPI sends any method, path and body to the API, as an operator and as
// an admin: the service runs as root and every local member of the group
// may send it anything. Every answer must be empty (204, a redirect to the
// clean path) or JSON objects, errors with a code and a message; never a
// panic or a 500.
func FuzzAPI(f *testing.F) {
	conf := "[Interface]\nPrivateKey = " + fuzzPriv + "\nAddress = 10.9.0.2/32\n\n[Peer]\nPublicKey = " + fuzzPeer +
		"\nAllowedIPs = 10.9.0.0/24\nEndpoint = 192.0.2.1:51820\n"
	create, _ := json.Marshal(api.CreateRequest{Name: "fz", Config: conf, PublicKey: fuzzPub})
	for _, seed := range []struct {
		method, path, body string
		admin              bool
	}{
		{"POST", "/v1/tunnels", string(create), false},
		{"PUT", "/v1/tunnels/fz", `{"config":"[Interface]\nAddress = 10.9.0.3/32\n","public_key":"` + fuzzPub + `"}`, false},
		{"POST", "/v1/tunnels/fz/up", `{"private_key":"` + fuzzPriv + `","preshared_keys":{"` + fuzzPeer + `":"` + fuzzPriv + `"}}`, false},
		{"POST", "/v1/tunnels/fz/up", `{"private_key":"AAAA"}`, true},
		{"GET", "/v1/status?name=fz", "", false},
		{"GET", "/v1/tunnels/fz/status", "", true},
		{"POST", "/v1/tunnels/fz/down", "", false},
		{"PUT", "/v1/killswitch", `{"mode":"always","allow_lan":true}`, true},
		{"PUT", "/v1/killswitch", `{"mode":"sometimes"}`, false},
		{"DELETE", "/v1/tunnels/fz", "", false},
		{"POST", "/v1/tunnels", `{"name":"../x","config":"","public_key":""}{}`, false},
		{"PATCH", "/v1/../v1/tunnels/%2e%2e", "\x00\xff", true},
		{"GET", "/v1/logs?follow=false", "", false},
	} {
		f.Add(seed.method, seed.path, seed.body, seed.admin)
	}
	h := newHarness(f, f.TempDir())
	handler := h.srv.http.Handler
	f.Fuzz(func(t *testing.T, method, path, body string, admin bool) {
		r, err := http.NewRequest(method, "http://wgtray"+path, strings.NewReader(body))
		if err != nil || streaming(r) {
			return // not a request a client can send, or one that does not end
		}
		r.Header.Set("Content-Type", "application/json")
		caller := ipc.Peer{UID: "1000", Operator: true, Admin: admin}
		r = r.WithContext(context.WithValue(r.Context(), peerKey{}, caller))
		w := httptest.NewRecorder()
		done := make(chan struct{})
		go func() { handler.ServeHTTP(w, r); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			buf := make([]byte, 1<<20)
			t.Fatalf("%s %s %q: no answer in 10 s\n%s", method, path, body, buf[:runtime.Stack(buf, true)])
		}

		if w.Code >= 500 && w.Code != http.StatusBadGateway {
			t.Fatalf("%s %s: status %d: %s", method, path, w.Code, w.Body)
		}
		if w.Code == http.StatusNoContent || w.Code/100 == 3 {
			return // deleted; or the mux's redirect to the clean form of the path
		}
		// One object, or for the log one per line (perhaps none).
		dec := json.NewDecoder(bytes.NewReader(w.Body.Bytes()))
		n := 0
		for ; dec.More(); n++ {
			var object map[string]any
			if err := dec.Decode(&object); err != nil {
				t.Fatalf("%s %s: status %d, the answer is not JSON objects: %v: %q", method, path, w.Code, err, w.Body)
			}
		}
		if n == 0 && w.Code != http.StatusOK {
			t.Fatalf("%s %s: status %d with an empty answer", method, path, w.Code)
		}
		if w.Code >= 400 {
			var e api.ErrorBody
			if json.Unmarshal(w.Body.Bytes(), &e) != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%s %s: status %d without an error code and message: %q", method, path, w.Code, w.Body)
			}
		}
	})
}
