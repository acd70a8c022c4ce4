package app

// historyLen is how many samples a throughput graph shows: a minute at the
// one-second refresh.
const historyLen = 60

// history is a ring of the latest throughput samples in bytes per second.
type history struct {
	samples [historyLen]float64
	next    int
	n       int
}

func (h *history) add(v float64) {
	h.samples[h.next] = v
	h.next = (h.next + 1) % historyLen
	h.n = min(h.n+1, historyLen)
}

// values returns the samples oldest first.
func (h *history) values() []float64 {
	out := make([]float64, 0, h.n)
	for i := h.n; i > 0; i-- {
		out = append(out, h.samples[(h.next-i+historyLen)%historyLen])
	}
	return out
}

// last is the newest sample, 0 when there is none.
func (h *history) last() float64 {
	if h.n == 0 {
		return 0
	}
	return h.samples[(h.next-1+historyLen)%historyLen]
}
