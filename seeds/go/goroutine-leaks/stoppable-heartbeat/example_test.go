package exercise

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestBeats(t *testing.T) {
	var n atomic.Int32
	got := make(chan struct{}, 1)
	stop := Start(time.Millisecond, func() {
		if n.Add(1) == 3 {
			got <- struct{}{}
		}
	})
	defer stop()
	select {
	case <-got:
	case <-time.After(2 * time.Second):
		t.Fatalf("only %d beats in 2s with a 1ms interval", n.Load())
	}
}

func TestNoBeatAfterStop(t *testing.T) {
	base := goroutineBaseline()
	var n atomic.Int32
	stop := Start(time.Millisecond, func() { n.Add(1) })
	time.Sleep(10 * time.Millisecond)
	stop()
	after := n.Load()
	time.Sleep(30 * time.Millisecond)
	if n.Load() != after {
		t.Fatalf("beat ran %d more times after stop returned", n.Load()-after)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines running after stop, want at most %d: the heartbeat goroutine is still there", runtime.NumGoroutine(), base)
		}
		time.Sleep(5 * time.Millisecond)
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
