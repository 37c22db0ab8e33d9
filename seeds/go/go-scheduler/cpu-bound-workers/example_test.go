package exercise

import (
	"sync/atomic"
	"testing"
	"time"
)

func isPrime(n int) bool {
	if n < 2 {
		return false
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}

func TestCountPrimes(t *testing.T) {
	if got := ParallelCount(100, 4, isPrime); got != 25 {
		t.Fatalf("primes below 100 = %d, want 25", got)
	}
}

func TestDefaultWorkersPositive(t *testing.T) {
	if DefaultWorkers() < 1 {
		t.Fatalf("DefaultWorkers() = %d, want >= 1", DefaultWorkers())
	}
}

func TestUsesSeveralWorkers(t *testing.T) {
	// With 2 workers, two calls must be in flight together: each waits for the other to start.
	var started atomic.Int32
	ok := ParallelCount(2, 2, func(int) bool {
		started.Add(1)
		deadline := time.Now().Add(2 * time.Second)
		for started.Load() < 2 {
			if time.Now().After(deadline) {
				return false
			}
			time.Sleep(time.Millisecond)
		}
		return true
	})
	if ok != 2 {
		t.Fatal("ParallelCount(2, 2, ...) did not run two calls at the same time")
	}
}
