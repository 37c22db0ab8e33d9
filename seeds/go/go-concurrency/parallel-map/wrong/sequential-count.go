package exercise

import "sync"

// ParallelMap calls f on every item concurrently and returns the results in input order.
func ParallelMap[T, R any](items []T, f func(T) R) []R {
	out := make([]R, len(items))
	var wg sync.WaitGroup
	for i, it := range items {
		wg.Go(func() { out[i] = f(it) })
	}
	wg.Wait()
	return out
}

// CountMatches counts the items for which pred is true.
// Wrong: it calls pred one item at a time — race-free, but not concurrent as asked.
func CountMatches[T any](items []T, pred func(T) bool) int {
	n := 0
	for _, it := range items {
		if pred(it) {
			n++
		}
	}
	return n
}
