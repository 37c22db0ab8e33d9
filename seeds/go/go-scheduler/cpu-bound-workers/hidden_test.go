package exercise

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestHiddenDefaultWorkersFollowsGOMAXPROCS(t *testing.T) {
	want := runtime.NumCPU() + 1 // deliberately different from the core count
	old := runtime.GOMAXPROCS(want)
	defer runtime.GOMAXPROCS(old)
	if got := DefaultWorkers(); got != want {
		t.Fatalf("DefaultWorkers() = %d with GOMAXPROCS=%d (NumCPU=%d), want %d", got, want, runtime.NumCPU(), want)
	}
}

func TestHiddenUnevenSplit(t *testing.T) {
	for _, tc := range []struct{ n, workers, want int }{
		{10, 3, 10}, {7, 4, 7}, {1, 8, 1}, {0, 2, 0}, {1001, 7, 1001},
	} {
		var calls atomic.Int64
		got := ParallelCount(tc.n, tc.workers, func(int) bool { calls.Add(1); return true })
		if got != tc.want || calls.Load() != int64(tc.n) {
			t.Errorf("ParallelCount(%d, %d) = %d with %d calls, want %d and %d", tc.n, tc.workers, got, calls.Load(), tc.want, tc.n)
		}
	}
}

func TestHiddenBoundedConcurrency(t *testing.T) {
	var inFlight, peak atomic.Int32
	pred := func(i int) bool {
		cur := inFlight.Add(1)
		for {
			p := peak.Load()
			if cur <= p || peak.CompareAndSwap(p, cur) {
				break
			}
		}
		time.Sleep(100 * time.Microsecond)
		inFlight.Add(-1)
		return i%2 == 0
	}
	if got := ParallelCount(120, 3, pred); got != 60 {
		t.Fatalf("ParallelCount = %d, want 60", got)
	}
	if p := peak.Load(); p > 3 {
		t.Fatalf("%d calls ran at once, want at most 3 workers", p)
	}
}

func TestHiddenDefaultWhenWorkersZero(t *testing.T) {
	old := runtime.GOMAXPROCS(2)
	defer runtime.GOMAXPROCS(old)
	var inFlight, peak atomic.Int32
	got := ParallelCount(50, 0, func(int) bool {
		cur := inFlight.Add(1)
		if cur > peak.Load() {
			peak.Store(cur)
		}
		time.Sleep(100 * time.Microsecond)
		inFlight.Add(-1)
		return true
	})
	if got != 50 || peak.Load() > 2 {
		t.Fatalf("ParallelCount(50, 0) = %d with peak %d, want 50 and at most GOMAXPROCS=2", got, peak.Load())
	}
}
