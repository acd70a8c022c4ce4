//go:build unix

package client

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
)

// largestConfig is the redacted text of a config just under
// importer.MaxConfigSize whose JSON escaping nearly doubles it, the biggest
// tunnel the service takes in.
func largestConfig(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("[Interface]\nPrivateKey = +HEKC1gzD6J9I398fAiVxQCuESDUJxkLx+VWakQgaF4=\nAddress = 10.0.0.2/32\n")
	hook := "PostUp = echo " + strings.Repeat(`\"`, 2000) + "\n"
	for b.Len()+len(hook) < importer.MaxConfigSize-200 {
		b.WriteString(hook)
	}
	b.WriteString("[Peer]\nPublicKey = JzPY7FImwY86pr+OopAYjwidUa2TTvQUaxg6Eaii6wQ=\nAllowedIPs = 0.0.0.0/0\n")
	cfg, err := importer.Parse("big.conf", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	redacted, _ := cfg.Redact()
	text := redacted.String()
	req, _ := json.Marshal(api.CreateRequest{Name: "big", Config: text, PublicKey: cfg.Interface.PrivateKey.Public().String()})
	if len(text) > importer.MaxConfigSize || len(req) > 2*importer.MaxConfigSize+4096 || len(req) < 2*importer.MaxConfigSize-8192 {
		t.Fatalf("the config is %d bytes, %d in JSON: not the largest the service takes", len(text), len(req))
	}
	return text
}

// One tunnel of the largest config must not break the event stream, or
// the GUI reconnects to the same too-long line forever.
func TestEventsCarryATunnelOfTheLargestConfig(t *testing.T) {
	text := largestConfig(t)
	sock := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/"+api.Version+"/events" {
			http.NotFound(w, r)
			return
		}
		enc := json.NewEncoder(w)
		enc.Encode(api.Event{Type: api.EventTunnel, Tunnel: &api.Tunnel{Name: "big", Config: text}})
		enc.Encode(api.Event{Type: api.EventReady})
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })

	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	var got []api.Event
	err = New(sock, FileKeyStore(t.TempDir())).Events(ctx, func(e api.Event) {
		got = append(got, e)
		if e.Type == api.EventReady {
			cancel()
		}
	})
	if err != nil {
		t.Fatalf("Events: %v", err)
	}
	if len(got) != 2 || got[0].Tunnel == nil || got[0].Tunnel.Config != text || got[1].Type != api.EventReady {
		t.Fatalf("got %d events, want the tunnel with its whole config, then ready", len(got))
	}
}
