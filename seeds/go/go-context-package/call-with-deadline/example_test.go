package exercise

import (
	"context"
	"errors"
	"runtime"
	"testing"
	"time"
)

func TestCallFastOp(t *testing.T) {
	v, err := Call(context.Background(), func() (int, error) { return 7, nil })
	if v != 7 || err != nil {
		t.Fatalf("Call = %d, %v; want 7, nil", v, err)
	}
}

func TestCallTimesOut(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := Call(ctx, func() (int, error) { <-release; return 1, nil })
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	case <-time.After(time.Second):
		t.Fatal("Call still waiting 1s after its 20ms deadline")
	}
}

// goroutineBaseline lets goroutines of earlier tests finish exiting, then returns the count.
func goroutineBaseline() int {
	n := runtime.NumGoroutine()
	for range 50 {
		time.Sleep(5 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}
