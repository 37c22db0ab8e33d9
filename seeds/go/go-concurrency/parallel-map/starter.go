package exercise

// ParallelMap calls f on every item concurrently and returns the results in input order.
func ParallelMap[T, R any](items []T, f func(T) R) []R {
	// TODO: one goroutine per item; wait for all of them.
	out := make([]R, len(items))
	return out
}

// CountMatches counts the items for which pred is true, calling pred concurrently.
func CountMatches[T any](items []T, pred func(T) bool) int {
	// TODO
	return 0
}
