package exercise

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestHiddenBoundedConcurrency(t *testing.T) {
	var inFlight, peak atomic.Int32
	jobs := make([]int, 60)
	for i := range jobs {
		jobs[i] = i
	}
	res := Process(context.Background(), 3, jobs, func(_ context.Context, j int) (int, error) {
		cur := inFlight.Add(1)
		for p := peak.Load(); cur > p && !peak.CompareAndSwap(p, cur); p = peak.Load() {
		}
		time.Sleep(200 * time.Microsecond)
		inFlight.Add(-1)
		return j * 2, nil
	})
	if p := peak.Load(); p > 3 {
		t.Fatalf("peak concurrent calls = %d, want at most 3 workers", p)
	}
	for i, r := range res {
		if r.Value != i*2 || r.Err != nil {
			t.Fatalf("results[%d] = %+v, want %d", i, r, i*2)
		}
	}
}

func TestHiddenReallyConcurrent(t *testing.T) {
	// Both jobs must run at the same time: each waits for the other to have started.
	var started atomic.Int32
	res := Process(context.Background(), 2, []int{0, 1}, func(_ context.Context, j int) (int, error) {
		started.Add(1)
		deadline := time.Now().Add(2 * time.Second)
		for started.Load() < 2 {
			if time.Now().After(deadline) {
				return 0, errors.New("the other worker never started")
			}
			time.Sleep(time.Millisecond)
		}
		return j, nil
	})
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("with 2 workers, 2 jobs did not run concurrently: %v", r.Err)
		}
	}
}

func TestHiddenOrderUnderReverseCompletion(t *testing.T) {
	const n = 8
	done := make([]chan struct{}, n+1)
	for i := range done {
		done[i] = make(chan struct{})
	}
	close(done[n])
	jobs := []int{0, 1, 2, 3, 4, 5, 6, 7}
	res := Process(context.Background(), n, jobs, func(_ context.Context, j int) (int, error) {
		<-done[j+1] // job j finishes after job j+1
		defer close(done[j])
		return j * 10, nil
	})
	for i, r := range res {
		if r.Value != i*10 {
			t.Fatalf("results[%d].Value = %d, want %d: results must follow job order", i, r.Value, i*10)
		}
	}
}

func TestHiddenPanicBecomesError(t *testing.T) {
	res := Process(context.Background(), 2, []int{1, 0, 2}, func(_ context.Context, j int) (int, error) {
		return 10 / j, nil // job 1 divides by zero
	})
	if len(res) != 3 || !errors.Is(res[1].Err, ErrPanicked) {
		t.Fatalf("results = %+v, want results[1].Err wrapping ErrPanicked", res)
	}
	if res[0].Value != 10 || res[2].Value != 5 {
		t.Fatalf("the other jobs must still run: %+v", res)
	}
}

func TestHiddenCancellationStopsFeeding(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var calls atomic.Int32
	jobs := make([]int, 100)
	start := time.Now()
	res := Process(ctx, 2, jobs, func(ctx context.Context, _ int) (int, error) {
		n := calls.Add(1)
		if n == 4 {
			cancel()
		}
		if n >= 4 {
			<-ctx.Done()
			return 0, ctx.Err()
		}
		return int(n), nil
	})
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("Process took %v after cancellation", d)
	}
	if c := calls.Load(); c > 10 {
		t.Fatalf("%d jobs started although the context was cancelled by job 4", c)
	}
	cancelled := 0
	for _, r := range res {
		if errors.Is(r.Err, context.Canceled) {
			cancelled++
		} else if r.Err != nil {
			t.Fatalf("unexpected error %v", r.Err)
		}
	}
	if cancelled < 90 {
		t.Fatalf("%d of 100 results carry context.Canceled, want every job that was not run", cancelled)
	}
}
