package exercise

import (
	"context"
	"runtime"
	"testing"
	"time"
)

func source(vals ...int) <-chan int {
	ch := make(chan int, len(vals))
	for _, v := range vals {
		ch <- v
	}
	close(ch)
	return ch
}

// drain reads out until it closes, failing after 2 seconds.
func drain[T any](t *testing.T, out <-chan T) []T {
	t.Helper()
	var got []T
	timeout := time.After(2 * time.Second)
	for {
		select {
		case v, ok := <-out:
			if !ok {
				return got
			}
			got = append(got, v)
		case <-timeout:
			t.Fatalf("stage output not closed within 2s (read %v)", got)
		}
	}
}

// settle fails unless the goroutine count drops back to base within 2 seconds.
func settle(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines, want at most %d: the stage goroutine is stuck", runtime.NumGoroutine(), base)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestStageDoubles(t *testing.T) {
	got := drain(t, Stage(context.Background(), source(1, 2, 3), func(v int) int { return v * 2 }))
	if len(got) != 3 || got[0] != 2 || got[1] != 4 || got[2] != 6 {
		t.Fatalf("got %v, want [2 4 6]", got)
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
