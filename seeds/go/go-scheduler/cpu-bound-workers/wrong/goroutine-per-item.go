package exercise

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// DefaultWorkers is the pool size for CPU-bound work.
func DefaultWorkers() int {
	return max(1, runtime.GOMAXPROCS(0)) // the number of Ps, which may differ from NumCPU
}

// ParallelCount counts i in [0, n) with pred(i), calling pred from at most workers goroutines.
func ParallelCount(n, workers int, pred func(int) bool) int {
	if workers < 1 {
		workers = DefaultWorkers()
	}
	var total atomic.Int64
	var wg sync.WaitGroup
	for i := range n { // one goroutine per item: no bound at all
		wg.Go(func() {
			if pred(i) {
				total.Add(1)
			}
		})
	}
	wg.Wait()
	return int(total.Load())
}
