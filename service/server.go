package service

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/platform/ipc"
	"github.com/wgtray/wgtray/service/api"
	"github.com/wgtray/wgtray/version"
)

// Limits of the local API. A config is at most importer.MaxConfigSize; JSON
// escaping can double it.
const (
	maxBodyBytes      = 2*importer.MaxConfigSize + 4096
	maxHeaderBytes    = 16 << 10
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 15 * time.Second
	requestTimeout    = 60 * time.Second // a whole non-streaming answer but up's
	// upQueueWait bounds how long an up waits for another operation on
	// its tunnel: with the start and the kill switch, up answers within
	// api.UpTimeout.
	upQueueWait    = api.UpTimeout - startTimeout - applyWait - upMargin
	upMargin       = 10 * time.Second
	idleTimeout    = 60 * time.Second
	maxConnections = 128
	maxStreams     = 48 // event and log followers, part of maxConnections
)

// server is the HTTP+JSON API on the local socket.
type server struct {
	log     *slog.Logger
	ring    *ringLog
	mgr     *manager
	ks      *killSwitch
	trusted *trusted
	events  *broker
	streams atomic.Int32
	http    *http.Server
	// requestTimeout and upQueueWait are the constants of the same name;
	// tests shorten them.
	requestTimeout time.Duration
	upQueueWait    time.Duration
}

type peerKey struct{}

func newServer(log *slog.Logger, ring *ringLog, mgr *manager, ks *killSwitch, events *broker) *server {
	s := &server{log: log, ring: ring, mgr: mgr, ks: ks, trusted: mgr.trusted, events: events, requestTimeout: requestTimeout, upQueueWait: upQueueWait}
	mux := http.NewServeMux()
	handlers := map[api.Route]func(http.ResponseWriter, *http.Request, ipc.Peer){
		api.RouteVersion:       s.version,
		api.RouteTunnels:       s.listTunnels,
		api.RouteCreate:        s.createTunnel,
		api.RouteTunnel:        s.getTunnel,
		api.RouteUpdate:        s.updateTunnel,
		api.RouteDelete:        s.deleteTunnel,
		api.RouteRename:        s.renameTunnel,
		api.RouteUp:            s.upTunnel,
		api.RouteDown:          s.downTunnel,
		api.RouteTunnelStatus:  s.tunnelStatus,
		api.RouteSettings:      s.setSettings,
		api.RouteRosenpassKey:  s.getRosenpassKey,
		api.RouteRosenpass:     s.setRosenpass,
		api.RouteStatus:        s.status,
		api.RouteEvents:        s.eventStream,
		api.RouteLogs:          s.logs,
		api.RouteKillSwitch:    s.getKillSwitch,
		api.RouteSetKillSwitch: s.setKillSwitch,
		api.RouteNetworks:      s.getNetworks,
		api.RouteTrust:         s.trust,
		api.RouteDistrust:      s.distrust,
	}
	paths := map[string]bool{}
	for _, r := range api.Routes {
		h, ok := handlers[r]
		if !ok {
			panic("service: no handler for " + r.Pattern())
		}
		mux.HandleFunc(r.Pattern(), func(w http.ResponseWriter, r *http.Request) {
			h(w, r, r.Context().Value(peerKey{}).(ipc.Peer))
		})
		if !paths[r.Path] {
			paths[r.Path] = true
			mux.HandleFunc(r.Path, func(w http.ResponseWriter, r *http.Request) {
				writeError(w, errorf(http.StatusMethodNotAllowed, api.CodeMethodNotAllowed, "%s is not allowed on %s", r.Method, r.URL.Path))
			})
		}
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, errorf(http.StatusNotFound, api.CodeNotFound, "there is no API at %s; the paths are under /%s/", r.URL.Path, api.Version))
	})
	s.http = &http.Server{
		Handler:           s.authorize(mux),
		MaxHeaderBytes:    maxHeaderBytes,
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		IdleTimeout:       idleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			p, err := ipc.PeerOf(unwrapConn(c))
			if err != nil {
				log.Warn("cannot identify a client; refusing it", "error", err.Error())
				return context.WithValue(ctx, peerKey{}, ipc.Peer{})
			}
			return context.WithValue(ctx, peerKey{}, p)
		},
	}
	return s
}

// serve answers on l until Shutdown.
func (s *server) serve(l net.Listener) error {
	err := s.http.Serve(&limitListener{Listener: l, sem: make(chan struct{}, maxConnections)})
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

func (s *server) shutdown(ctx context.Context) error {
	s.events.closeAll()
	s.ring.closeAll()
	return s.http.Shutdown(ctx)
}

// authorize refuses everyone who is neither admin nor operator, on every
// path, and bounds bodies and the time of ordinary requests.
func (s *server) authorize(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := r.Context().Value(peerKey{}).(ipc.Peer)
		if !p.Admin && !p.Operator {
			writeError(w, errorf(http.StatusForbidden, api.CodeForbidden,
				"only administrators and members of the group %q may use wgtray; %s",
				ipc.OperatorGroup, ipc.JoinOperators))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		if !streaming(r) {
			// An up may wait for another start of its tunnel: its answer
			// gets the time that takes, or the client would get EOF while
			// the tunnel comes up.
			timeout := s.requestTimeout
			if upRequest(r) {
				timeout = s.upQueueWait + startTimeout + applyWait + upMargin
			}
			ctx, cancel := context.WithTimeout(r.Context(), timeout)
			defer cancel()
			r = r.WithContext(ctx)
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(timeout))
		}
		next.ServeHTTP(w, r)
	})
}

func upRequest(r *http.Request) bool {
	return r.Method == api.RouteUp.Method && strings.HasPrefix(r.URL.Path, "/"+api.Version+"/tunnels/") && strings.HasSuffix(r.URL.Path, "/up")
}

func streaming(r *http.Request) bool {
	return r.URL.Path == "/v1/events" || (r.URL.Path == "/v1/logs" && following(r))
}

// following reports whether a log request asks to follow new entries.
func following(r *http.Request) bool {
	return r.URL.Query().Has("follow") && r.URL.Query().Get("follow") != "false"
}

func (s *server) version(w http.ResponseWriter, _ *http.Request, _ ipc.Peer) {
	writeJSON(w, http.StatusOK, api.VersionInfo{Version: version.Version, Commit: version.Commit, API: api.Version})
}

func (s *server) listTunnels(w http.ResponseWriter, _ *http.Request, p ipc.Peer) {
	writeJSON(w, http.StatusOK, s.mgr.list(p))
}

func (s *server) getTunnel(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	t, err := s.mgr.get(p, r.PathValue("name"))
	reply(w, http.StatusOK, t, err)
}

func (s *server) createTunnel(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	var req api.CreateRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	t, err := s.mgr.create(p, req)
	status := http.StatusCreated
	if req.Reserve {
		status = http.StatusOK
	}
	reply(w, status, t, err)
}

func (s *server) updateTunnel(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	var req api.UpdateRequest
	err := readJSON(r, &req)
	secrets, err := takeOptionalSecrets(req.Keys, err)
	if err != nil {
		writeError(w, err)
		return
	}
	t, err := s.mgr.update(p, r.PathValue("name"), req, secrets)
	reply(w, http.StatusOK, t, err)
}

func (s *server) deleteTunnel(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	if err := s.mgr.remove(p, r.PathValue("name")); err != nil {
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) renameTunnel(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	var req api.RenameRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	t, err := s.mgr.rename(p, r.PathValue("name"), req.Name)
	reply(w, http.StatusOK, t, err)
}

func (s *server) upTunnel(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	var req api.UpRequest
	secrets, err := takeSecrets(&req, readJSON(r, &req))
	if err != nil {
		writeError(w, err)
		return
	}
	queue, cancel := context.WithTimeout(r.Context(), s.upQueueWait)
	defer cancel()
	t, err := s.mgr.upWithin(queue, p, r.PathValue("name"), secrets, !req.Restore)
	reply(w, http.StatusOK, t, err)
}

func (s *server) setSettings(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	var req api.SettingsRequest
	err := readJSON(r, &req)
	secrets, err := takeOptionalSecrets(req.Keys, err)
	if err != nil {
		writeError(w, err)
		return
	}
	t, err := s.mgr.setSettings(p, r.PathValue("name"), req, secrets)
	reply(w, http.StatusOK, t, err)
}

func (s *server) getRosenpassKey(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	k, err := s.mgr.rosenpassKey(p, r.PathValue("name"))
	reply(w, http.StatusOK, api.RosenpassKey{PublicKey: k}, err)
}

func (s *server) setRosenpass(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	var req api.RosenpassRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	t, err := s.mgr.setRosenpass(p, r.PathValue("name"), req)
	reply(w, http.StatusOK, t, err)
}

// takeSecrets moves the keys out of a decoded request, wiping it; with
// err (from decoding) or a bad peer key it wipes them too and returns the
// error.
// takeOptionalSecrets is takeSecrets for keys a request may leave out:
// nil when it did.
func takeOptionalSecrets(keys *api.UpRequest, err error) (*importer.Secrets, error) {
	if keys == nil {
		return nil, err
	}
	secrets, err := takeSecrets(keys, err)
	return &secrets, err
}

func takeSecrets(req *api.UpRequest, err error) (importer.Secrets, error) {
	secrets := importer.Secrets{PrivateKey: importer.Key(req.PrivateKey), RosenpassSecretKey: req.RosenpassSecretKey}
	clear(req.PrivateKey[:])
	req.RosenpassSecretKey = nil
	for pub, psk := range req.PresharedKeys {
		k, perr := importer.ParseKey(pub)
		if perr != nil && err == nil {
			err = errorf(http.StatusBadRequest, api.CodeBadRequest, "preshared_keys: peer %q: %v", pub, perr)
		}
		if secrets.PresharedKeys == nil {
			secrets.PresharedKeys = make(map[importer.Key]importer.Key, len(req.PresharedKeys))
		}
		secrets.PresharedKeys[k] = importer.Key(psk)
		clear(psk[:])
		req.PresharedKeys[pub] = psk
	}
	if err != nil {
		wipeSecrets(&secrets)
		return importer.Secrets{}, err
	}
	return secrets, nil
}

func (s *server) downTunnel(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	t, err := s.mgr.down(p, r.PathValue("name"))
	reply(w, http.StatusOK, t, err)
}

func (s *server) status(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	st, err := s.mgr.status(p, r.URL.Query().Get("name"))
	reply(w, http.StatusOK, st, err)
}

func (s *server) tunnelStatus(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	st, err := s.mgr.status(p, r.PathValue("name"))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, st.Tunnels[0])
}

func (s *server) getKillSwitch(w http.ResponseWriter, _ *http.Request, p ipc.Peer) {
	writeJSON(w, http.StatusOK, s.ks.state(p))
}

func (s *server) setKillSwitch(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	var req api.SetKillSwitch
	if err := readJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	if !req.Mode.Valid() {
		writeError(w, errorf(http.StatusBadRequest, api.CodeBadRequest, "unknown kill-switch mode %q: use off, auto or always", req.Mode))
		return
	}
	k, err := s.ks.set(r.Context(), p, req)
	reply(w, http.StatusOK, k, err)
}

func (s *server) getNetworks(w http.ResponseWriter, _ *http.Request, p ipc.Peer) {
	writeJSON(w, http.StatusOK, s.trusted.view(p))
}

func (s *server) trust(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	var req api.TrustRequest
	if err := readJSON(r, &req); err != nil {
		writeError(w, err)
		return
	}
	n, err := s.trusted.add(p, req)
	if err == nil {
		s.log.Info("network trusted", "network", n.Name, "identifies", n.Identifies, "by", p.UID)
		s.mgr.applyNetworkRule()
	}
	reply(w, http.StatusCreated, n, err)
}

func (s *server) distrust(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	id := r.PathValue("id")
	if err := s.trusted.remove(p, id); err != nil {
		writeError(w, err)
		return
	}
	s.log.Info("network no longer trusted", "network", id, "by", p.UID)
	s.mgr.applyNetworkRule()
	w.WriteHeader(http.StatusNoContent)
}

// openStream admits one more long-lived answer, or refuses it when too
// many are open.
func (s *server) openStream(w http.ResponseWriter) bool {
	if s.streams.Add(1) > maxStreams {
		s.streams.Add(-1)
		writeError(w, errorf(http.StatusServiceUnavailable, api.CodeBusy, "too many event and log streams are open; close some clients and try again"))
		return false
	}
	// The stream outlives the read timeout, which is for requests.
	_ = http.NewResponseController(w).SetReadDeadline(time.Time{})
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	return true
}

// eventStream sends the state of every visible tunnel and the kill switch,
// then every change, one JSON object a line, until the client goes away.
func (s *server) eventStream(w http.ResponseWriter, r *http.Request, p ipc.Peer) {
	if !s.openStream(w) {
		return
	}
	defer s.streams.Add(-1)
	ch := s.events.subscribe()
	defer s.events.unsubscribe(ch)
	enc := json.NewEncoder(w)
	rc := http.NewResponseController(w)
	send := func(e api.Event) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
		if err := enc.Encode(e); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	now := time.Now()
	for _, t := range s.mgr.list(p) {
		if !send(api.Event{Type: api.EventTunnel, Time: now, Tunnel: &t}) {
			return
		}
	}
	ks := s.ks.state(p)
	nets := s.trusted.view(p)
	if !send(api.Event{Type: api.EventKillSwitch, Time: now, KillSwitch: &ks}) || !send(api.Event{Type: api.EventNetwork, Time: now, Networks: &nets}) ||
		!send(api.Event{Type: api.EventReady, Time: now}) {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case e, ok := <-ch:
			if !ok {
				return
			}
			if e.Tunnel != nil && e.Type == api.EventTunnel {
				v := viewFor(p, *e.Tunnel)
				e.Tunnel = &v
			}
			if e.KillSwitch != nil {
				ks := ksFor(p, *e.KillSwitch)
				e.KillSwitch = &ks
			}
			if e.Networks != nil {
				n := networksFor(p, *e.Networks)
				e.Networks = &n
			}
			if !send(e) {
				return
			}
		}
	}
}

// logs sends the ring buffer, and with ?follow=true every new entry: all
// of it to an admin, to an operator only the entries of their own tunnels
// and those of the service as a whole.
func (s *server) logs(w http.ResponseWriter, r *http.Request, caller ipc.Peer) {
	follow := following(r)
	visible := s.mgr.logVisible(caller)
	if follow && !s.openStream(w) {
		return
	}
	if follow {
		defer s.streams.Add(-1)
	}
	entries, ch := s.ring.snapshot(follow)
	if !follow {
		w.Header().Set("Content-Type", "application/x-ndjson")
	} else {
		defer s.ring.unsubscribe(ch)
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	for _, e := range entries {
		if visible(e) && enc.Encode(e) != nil {
			return
		}
	}
	if bw.Flush() != nil || !follow {
		return
	}
	rc := http.NewResponseController(w)
	if rc.Flush() != nil {
		return
	}
	for {
		select {
		case <-r.Context().Done():
			return
		case e, ok := <-ch:
			if !ok {
				return
			}
			if !visible(e) {
				continue
			}
			_ = rc.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if enc.Encode(e) != nil || bw.Flush() != nil || rc.Flush() != nil {
				return
			}
		}
	}
}

// readJSON decodes exactly one JSON object with known fields.
func readJSON(r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return errorf(http.StatusUnsupportedMediaType, api.CodeUnsupportedMedia, "send the body as application/json, not %s", ct)
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return errorf(http.StatusRequestEntityTooLarge, api.CodeTooLarge, "the request body is larger than %d bytes", tooBig.Limit)
		}
		if errors.Is(err, io.EOF) {
			return errorf(http.StatusBadRequest, api.CodeBadRequest, "the request needs a JSON body")
		}
		return errorf(http.StatusBadRequest, api.CodeBadRequest, "the request body is not valid JSON for this call: %v", err)
	}
	if dec.More() {
		return errorf(http.StatusBadRequest, api.CodeBadRequest, "the request body has more than one JSON value")
	}
	return nil
}

func reply(w http.ResponseWriter, status int, v any, err error) {
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, status, v)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeError(w, fmt.Errorf("encode answer: %w", err))
		return
	}
	b = append(b, '\n')
	// With its length known the answer goes out in one piece, not chunked.
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func writeError(w http.ResponseWriter, err error) {
	ae := asAPIError(err)
	b, _ := json.Marshal(api.ErrorBody{Error: api.ErrorDetail{Code: ae.code, Message: ae.msg}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ae.status)
	_, _ = w.Write(append(b, '\n'))
}

// limitListener holds at most cap(sem) connections at once; one more is
// answered 503 and closed at once.
type limitListener struct {
	net.Listener
	sem chan struct{}
}

const busyAnswer = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 97\r\n\r\n" +
	`{"error":{"code":"busy","message":"too many connections to the wgtray service; try again later"}}`

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		select {
		case l.sem <- struct{}{}:
			return &limitedConn{Conn: c, release: func() { <-l.sem }}, nil
		default:
			_ = c.SetWriteDeadline(time.Now().Add(time.Second))
			_, _ = io.WriteString(c, busyAnswer)
			c.Close()
		}
	}
}

type limitedConn struct {
	net.Conn
	once    atomic.Bool
	release func()
}

func (c *limitedConn) Close() error {
	if c.once.CompareAndSwap(false, true) {
		c.release()
	}
	return c.Conn.Close()
}

func unwrapConn(c net.Conn) net.Conn {
	if lc, ok := c.(*limitedConn); ok {
		return lc.Conn
	}
	return c
}
