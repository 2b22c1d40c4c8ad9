package trace

// Logs are not always in time order: API Gateway writes each log stream on its own, ALB
// writes a request when it ends, not when it arrived. A Reader puts requests logged up to
// ReorderWindow out of order back in order, holding at most the requests of that window
// (and never more than maxPending).

// ReorderWindow is how far out of order a request may be logged, in nanoseconds: one
// logged later than a request ReorderWindow after it is a bad line.
const ReorderWindow = int64(60e9)

// maxPending bounds the requests held for reordering; past it the earliest is given out
// whatever the window.
const maxPending = 1 << 20

// held is one request waiting to be given out in time order.
type held struct {
	at, raw int64 // when it is replayed (spread) and as logged (its second, when coarse)
	line    int64
	key     string
	route   string
	coarse  bool
}

// pending holds requests by time: a ring of those that came in order (most of them) and a
// heap of those that did not.
type pending struct {
	ring       []held
	head, size int
	heap       []held
	maxAt      int64 // the latest at held so far
}

func (p *pending) len() int { return p.size + len(p.heap) }

func (p *pending) push(h held) {
	p.maxAt = max(p.maxAt, h.at)
	if p.size == 0 || h.at >= p.ring[(p.head+p.size-1)%len(p.ring)].at {
		p.pushRing(h)
		return
	}
	p.heap = append(p.heap, h)
	for i := len(p.heap) - 1; i > 0; {
		parent := (i - 1) / 2
		if p.heap[parent].at <= p.heap[i].at {
			break
		}
		p.heap[parent], p.heap[i] = p.heap[i], p.heap[parent]
		i = parent
	}
}

func (p *pending) pushRing(h held) {
	if p.size == len(p.ring) {
		grown := make([]held, max(64, 2*len(p.ring)))
		for i := range p.size {
			grown[i] = p.ring[(p.head+i)%len(p.ring)]
		}
		p.ring, p.head = grown, 0
	}
	p.ring[(p.head+p.size)%len(p.ring)] = h
	p.size++
}

// peek returns the earliest request held; ok is false when none is.
func (p *pending) peek() (h held, ok bool) {
	switch {
	case p.size == 0 && len(p.heap) == 0:
		return h, false
	case len(p.heap) == 0 || (p.size > 0 && p.ring[p.head].at <= p.heap[0].at):
		return p.ring[p.head], true
	}
	return p.heap[0], true
}

// pop removes the earliest request held (peek's).
func (p *pending) pop() {
	if len(p.heap) == 0 || (p.size > 0 && p.ring[p.head].at <= p.heap[0].at) {
		p.ring[p.head] = held{}
		p.head = (p.head + 1) % len(p.ring)
		p.size--
		return
	}
	last := len(p.heap) - 1
	p.heap[0] = p.heap[last]
	p.heap[last] = held{}
	p.heap = p.heap[:last]
	for i := 0; ; {
		small, l, r := i, 2*i+1, 2*i+2
		if l < last && p.heap[l].at < p.heap[small].at {
			small = l
		}
		if r < last && p.heap[r].at < p.heap[small].at {
			small = r
		}
		if small == i {
			return
		}
		p.heap[i], p.heap[small] = p.heap[small], p.heap[i]
		i = small
	}
}

// ready reports whether the earliest request held can be given out: nothing logged later
// can come before it (it is a window older than the latest), or too many are held, or the
// trace has ended.
func (p *pending) ready(ended bool) bool {
	h, ok := p.peek()
	return ok && (ended || h.at <= p.maxAt-ReorderWindow || p.len() >= maxPending)
}
