package exercise

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHiddenStuckTaskCancelledAtDeadline(t *testing.T) {
	r := NewRunner()
	var sawCancel atomic.Bool
	r.Go(func(ctx context.Context) {
		<-ctx.Done() // only stops when forced
		sawCancel.Store(true)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	err := shutdownWithin(t, r, ctx, 2*time.Second)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Shutdown = %v, want context.DeadlineExceeded", err)
	}
	if !sawCancel.Load() {
		t.Fatal("Shutdown returned before the forced task had stopped")
	}
}

func TestHiddenGraceIsRespected(t *testing.T) {
	r := NewRunner()
	var cancelledEarly atomic.Int32
	for range 5 {
		r.Go(func(ctx context.Context) {
			select {
			case <-time.After(30 * time.Millisecond): // finishes on its own
			case <-ctx.Done():
				cancelledEarly.Add(1)
			}
		})
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := shutdownWithin(t, r, ctx, 4*time.Second); err != nil {
		t.Fatalf("Shutdown = %v, want nil", err)
	}
	if n := cancelledEarly.Load(); n != 0 {
		t.Fatalf("%d tasks were cancelled although they finished within the grace period", n)
	}
}

func TestHiddenNoTaskRunsAfterShutdown(t *testing.T) {
	r := NewRunner()
	var ran atomic.Int32
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				r.Go(func(context.Context) { ran.Add(1) })
				time.Sleep(100 * time.Microsecond)
			}
		}
	})
	time.Sleep(5 * time.Millisecond)
	if err := shutdownWithin(t, r, context.Background(), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	after := ran.Load()
	time.Sleep(10 * time.Millisecond)
	close(stop)
	wg.Wait()
	if ran.Load() != after {
		t.Fatalf("%d tasks ran after Shutdown returned", ran.Load()-after)
	}
	if err := r.Go(func(context.Context) {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Go after Shutdown = %v, want ErrClosed", err)
	}
}
