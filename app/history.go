package app

// historyLen is how many samples a tunnel keeps: ten minutes at the
// one-second refresh, the longest span a graph shows.
const historyLen = 600

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

// series is the newest span samples as at most points averages, oldest
// first: the newest point averages the newest span/points samples, and
// the oldest may average fewer.
func (h *history) series(span, points int) []float64 {
	vals := h.values()
	vals = vals[max(len(vals)-span, 0):]
	per := max(span/points, 1)
	out := make([]float64, 0, (len(vals)+per-1)/per)
	for end := len(vals); end > 0; end -= per {
		start := max(end-per, 0)
		sum := 0.0
		for _, v := range vals[start:end] {
			sum += v
		}
		out = append(out, sum/float64(end-start))
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
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
