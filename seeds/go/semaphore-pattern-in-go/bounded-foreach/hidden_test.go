package exercise

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestHiddenBoundsCallsAndGoroutines(t *testing.T) {
	base := goroutineBaseline()
	const n = 3
	release := make(chan struct{})
	var inFlight, peak, maxGoroutines atomic.Int32
	items := make([]int, 200)
	done := make(chan error, 1)
	go func() {
		done <- ForEach(context.Background(), n, items, func(int) error {
			cur := inFlight.Add(1)
			for p := peak.Load(); cur > p && !peak.CompareAndSwap(p, cur); p = peak.Load() {
			}
			<-release
			inFlight.Add(-1)
			return nil
		})
	}()
	// While the first n calls are blocked, watch how many goroutines exist.
	deadline := time.Now().Add(2 * time.Second)
	for inFlight.Load() < n && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	for range 50 {
		if g := int32(runtime.NumGoroutine()); g > maxGoroutines.Load() {
			maxGoroutines.Store(g)
		}
		time.Sleep(2 * time.Millisecond)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("ForEach = %v", err)
	}
	if p := peak.Load(); p > n {
		t.Fatalf("%d calls ran at once, want at most %d", p, n)
	}
	// base + the goroutine running ForEach + n workers (+2 slack for the runtime)
	if g := int(maxGoroutines.Load()); g > base+1+n+2 {
		t.Fatalf("%d goroutines alive with %d calls blocked (base %d): acquire the slot before starting the goroutine", g, n, base)
	}
}

func TestHiddenAcquireHonoursContext(t *testing.T) {
	s := NewSemaphore(1)
	if err := s.Acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- s.Acquire(ctx) }()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Acquire on a full semaphore = %v, want context.DeadlineExceeded", err)
		}
	case <-time.After(2 * time.Second):
		s.Release() // unblock the stuck goroutine before failing
		t.Fatal("Acquire ignored the context's deadline")
	}
	s.Release()
	if err := s.Acquire(context.Background()); err != nil {
		t.Fatalf("the failed Acquire must not have kept a slot: %v", err)
	}
}

func TestHiddenForEachStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var calls atomic.Int32
	block := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- ForEach(ctx, 1, make([]int, 50), func(int) error {
			calls.Add(1)
			<-block
			return nil
		})
	}()
	for calls.Load() < 1 {
		time.Sleep(time.Millisecond)
	}
	cancel() // ForEach is waiting for the single slot
	time.Sleep(20 * time.Millisecond)
	close(block)
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("ForEach = %v, want it to include context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("ForEach did not return after cancellation")
	}
	if c := calls.Load(); c > 2 {
		t.Fatalf("%d calls started after cancellation, want no new ones", c)
	}
}
