package exercise

import (
	"sync"
	"sync/atomic"
)

// ParallelMap calls f on every item concurrently and returns the results in input order.
func ParallelMap[T, R any](items []T, f func(T) R) []R {
	out := make([]R, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = f(it) // each goroutine owns one slot: no lock needed
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
