package exercise

import (
	"maps"
	"sync"
)

// Lazy returns a function that calls load at most once and returns its result to every caller.
func Lazy[T any](load func() (T, error)) func() (T, error) {
	return sync.OnceValues(load) // concurrent first callers wait for the single call
}

// Stats counts hits per key. The zero value is ready to use.
type Stats struct {
	mu   sync.RWMutex
	hits map[string]int
}

// Hit adds one to key's count.
func (s *Stats) Hit(key string) {
	s.mu.Lock() // a write: the exclusive lock
	defer s.mu.Unlock()
	if s.hits == nil {
		s.hits = make(map[string]int)
	}
	s.hits[key]++
}

// Get returns key's count.
func (s *Stats) Get(key string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.hits[key]
}

// Snapshot returns a copy of all counts.
func (s *Stats) Snapshot() map[string]int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := maps.Clone(s.hits) // a copy: callers never touch the guarded map
	if out == nil {
		out = map[string]int{}
	}
	return out
}
