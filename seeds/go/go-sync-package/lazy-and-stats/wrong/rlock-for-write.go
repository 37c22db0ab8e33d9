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

// Hit takes the read lock for a write: writers run concurrently.
func (s *Stats) Hit(key string) {
	s.mu.Lock()
	if s.hits == nil {
		s.hits = make(map[string]int)
	}
	s.mu.Unlock()
	s.mu.RLock()
	defer s.mu.RUnlock()
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
	return maps.Clone(s.hits) // a copy: callers never touch the guarded map
}
