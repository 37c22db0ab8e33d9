package exercise

import (
	"sync"
	"sync/atomic"
)

// ParallelMap appends under a mutex: results arrive in completion order.
func ParallelMap[T, R any](items []T, f func(T) R) []R {
	var mu sync.Mutex
	out := make([]R, 0, len(items))
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := f(it)
			mu.Lock()
			out = append(out, r)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// CountMatches counts the items for which pred is true, calling pred concurrently.
func CountMatches[T any](items []T, pred func(T) bool) int {
	var n atomic.Int64
	var wg sync.WaitGroup
	for _, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if pred(it) {
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return int(n.Load())
}
