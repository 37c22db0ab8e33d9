package exercise

// DefaultWorkers is the pool size for CPU-bound work.
func DefaultWorkers() int {
	return 1 // TODO
}

// ParallelCount counts i in [0, n) with pred(i), calling pred from at most workers goroutines.
func ParallelCount(n, workers int, pred func(int) bool) int {
	// TODO: run the work on a fixed number of goroutines
	count := 0
	for i := range n {
		if pred(i) {
			count++
		}
	}
	return count
}
