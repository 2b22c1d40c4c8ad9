package model

import "strings"

// DefaultMaxKeys is how many API keys keep quota state in an API with per-key quotas when
// APIConfig.MaxKeys is 0. With small quotas a key's state is a few hundred bytes; a sliding
// tier adds 8 bytes per admission in its busiest window.
const DefaultMaxKeys = 10_000

// keyState is one key's quotas, in the list of keys from most to least recently used.
type keyState struct {
	key        string
	q          *Quotas
	prev, next *keyState
}

// keyLRU holds the quotas of at most max keys. Using a key makes it the most recent; a new
// key beyond max evicts the least recently used one, whose quotas are forgotten. It is
// deterministic: which key goes depends only on the order of calls.
type keyLRU struct {
	m       map[string]*keyState
	ring    keyState // sentinel: ring.next is the most recent key, ring.prev the least
	max     int
	evicted int64
	onEvict func(key string)
}

func newKeyLRU(max int) *keyLRU {
	l := &keyLRU{m: make(map[string]*keyState), max: max}
	l.ring.next, l.ring.prev = &l.ring, &l.ring
	return l
}

// get returns key's quotas, making key the most recent; a key not held gets fresh quotas
// from fresh, evicting the least recent key first when max are held.
func (l *keyLRU) get(key string, fresh func() *Quotas) *Quotas {
	if e := l.m[key]; e != nil {
		l.unlink(e)
		l.pushFront(e)
		return e.q
	}
	var e *keyState
	if len(l.m) >= l.max {
		e = l.ring.prev
		l.unlink(e)
		delete(l.m, e.key)
		l.evicted++
		if l.onEvict != nil {
			l.onEvict(e.key)
		}
	} else {
		e = new(keyState)
	}
	e.key, e.q = strings.Clone(key), fresh()
	l.m[e.key] = e
	l.pushFront(e)
	return e.q
}

func (l *keyLRU) unlink(e *keyState) {
	e.prev.next, e.next.prev = e.next, e.prev
}

func (l *keyLRU) pushFront(e *keyState) {
	e.prev, e.next = &l.ring, l.ring.next
	l.ring.next.prev = e
	l.ring.next = e
}

// peek returns key's quotas without changing the order, nil for a key not held.
func (l *keyLRU) peek(key string) *Quotas {
	if e := l.m[key]; e != nil {
		return e.q
	}
	return nil
}
