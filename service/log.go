package service

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wgtray/wgtray/importer"
	"github.com/wgtray/wgtray/service/api"
)

// ringLog keeps the last entries of the service log for GET /v1/logs and
// passes them on to a text log (stderr, which the service manager keeps).
// Everything is redacted before it is stored or written: attributes whose
// name says secret, UAPI key lines, and the keys of running tunnels
// wherever they appear.
type ringLog struct {
	mu      sync.Mutex
	entries []api.LogEntry // ring of cap(entries)
	next    uint64         // sequence number of the next entry
	out     io.Writer
	subs    map[chan api.LogEntry]struct{}
	closed  bool           // after closeAll, followers get a closed channel
	secrets map[string]int // text form of live keys, reference counted
}

const logCapacity = 2000

func newRingLog(out io.Writer) *ringLog {
	return &ringLog{
		entries: make([]api.LogEntry, 0, logCapacity),
		next:    1,
		out:     out,
		subs:    make(map[chan api.LogEntry]struct{}),
		secrets: make(map[string]int),
	}
}

// logger returns a slog.Logger writing into the ring.
func (r *ringLog) logger() *slog.Logger { return slog.New(&ringHandler{ring: r}) }

// addSecret makes the ring redact k (base64 and hex) until removeSecret.
func (r *ringLog) addSecret(k importer.Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets[k.String()]++
	r.secrets[k.Hex()]++
}

func (r *ringLog) removeSecret(k importer.Key) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range []string{k.String(), k.Hex()} {
		if r.secrets[s]--; r.secrets[s] <= 0 {
			delete(r.secrets, s)
		}
	}
}

const redacted = "(redacted)"

var uapiSecret = regexp.MustCompile(`(?i)(private_key|preshared_key)=[0-9a-f]{64}`)

func secretName(key string) bool {
	k := strings.ToLower(key)
	return strings.Contains(k, "private") || strings.Contains(k, "preshared") ||
		strings.Contains(k, "secret") || strings.Contains(k, "password")
}

// redact must be called with r.mu held.
func (r *ringLog) redact(s string) string {
	s = uapiSecret.ReplaceAllString(s, "${1}="+redacted)
	for secret := range r.secrets {
		s = strings.ReplaceAll(s, secret, redacted)
	}
	return s
}

func (r *ringLog) add(e api.LogEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e.Message = r.redact(e.Message)
	for k, v := range e.Attrs {
		if secretName(k) {
			e.Attrs[k] = redacted
		} else {
			e.Attrs[k] = r.redact(v)
		}
	}
	e.Seq = r.next
	r.next++
	if len(r.entries) < cap(r.entries) {
		r.entries = append(r.entries, e)
	} else {
		r.entries[int((e.Seq-1)%uint64(cap(r.entries)))] = e
	}
	if r.out != nil {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s", e.Time.Format(time.RFC3339), e.Level, e.Message)
		for _, k := range slices.Sorted(maps.Keys(e.Attrs)) {
			fmt.Fprintf(&b, " %s=%q", k, e.Attrs[k])
		}
		b.WriteByte('\n')
		_, _ = io.WriteString(r.out, b.String())
	}
	for ch := range r.subs {
		select {
		case ch <- e:
		default: // a follower too slow to keep up misses entries
		}
	}
}

// nextSeq is the sequence number the next entry will get.
func (r *ringLog) nextSeq() uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.next
}

// snapshot returns the stored entries, oldest first, and with follow a
// channel of the entries that come after them.
func (r *ringLog) snapshot(follow bool) ([]api.LogEntry, chan api.LogEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]api.LogEntry, 0, len(r.entries))
	if len(r.entries) < cap(r.entries) {
		out = append(out, r.entries...)
	} else {
		start := int((r.next - 1) % uint64(cap(r.entries)))
		out = append(out, r.entries[start:]...)
		out = append(out, r.entries[:start]...)
	}
	var ch chan api.LogEntry
	if follow {
		ch = make(chan api.LogEntry, 256)
		if r.closed {
			close(ch)
		} else {
			r.subs[ch] = struct{}{}
		}
	}
	return out, ch
}

func (r *ringLog) unsubscribe(ch chan api.LogEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.subs[ch]; ok {
		delete(r.subs, ch)
		close(ch)
	}
}

// closeAll ends every follower (at shutdown: http.Server.Shutdown does not
// cancel the requests it waits for).
func (r *ringLog) closeAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	for ch := range r.subs {
		delete(r.subs, ch)
		close(ch)
	}
}

type ringHandler struct {
	ring   *ringLog
	attrs  []slog.Attr
	groups string
}

func (h *ringHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h *ringHandler) Handle(_ context.Context, rec slog.Record) error {
	e := api.LogEntry{Time: rec.Time, Level: rec.Level.String(), Message: rec.Message}
	if n := len(h.attrs) + rec.NumAttrs(); n > 0 {
		e.Attrs = make(map[string]string, n)
	}
	for _, a := range h.attrs {
		addAttr(e.Attrs, "", a)
	}
	rec.Attrs(func(a slog.Attr) bool {
		addAttr(e.Attrs, h.groups, a)
		return true
	})
	h.ring.add(e)
	return nil
}

func addAttr(m map[string]string, prefix string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Value.Kind() == slog.KindGroup {
		p := prefix
		if a.Key != "" {
			p += a.Key + "."
		}
		for _, g := range a.Value.Group() {
			addAttr(m, p, g)
		}
		return
	}
	if a.Key == "" {
		return
	}
	m[prefix+a.Key] = a.Value.String()
}

func (h *ringHandler) WithAttrs(as []slog.Attr) slog.Handler {
	n := *h
	n.attrs = make([]slog.Attr, 0, len(h.attrs)+len(as))
	n.attrs = append(n.attrs, h.attrs...)
	for _, a := range as {
		if h.groups != "" {
			a.Key = h.groups + a.Key
		}
		n.attrs = append(n.attrs, a)
	}
	return &n
}

func (h *ringHandler) WithGroup(name string) slog.Handler {
	n := *h
	n.groups += name + "."
	return &n
}
