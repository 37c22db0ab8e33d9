package exercise

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestForEachErrorsJoined(t *testing.T) {
	bad := errors.New("bad item")
	err := ForEach(context.Background(), 2, []int{1, 2, 3, 4}, func(i int) error {
		if i%2 == 0 {
			return bad
		}
		return nil
	})
	if !errors.Is(err, bad) {
		t.Fatalf("ForEach = %v, want an error wrapping the items' errors", err)
	}
}

func TestForEachRunsConcurrently(t *testing.T) {
	// Three calls must be in flight together for any of them to finish.
	var started atomic.Int32
	err := ForEach(context.Background(), 3, []int{1, 2, 3}, func(int) error {
		started.Add(1)
		deadline := time.Now().Add(2 * time.Second)
		for started.Load() < 3 {
			if time.Now().After(deadline) {
				return errors.New("calls did not overlap")
			}
			time.Sleep(time.Millisecond)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
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
