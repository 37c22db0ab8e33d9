package exercise

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

func hiddenSettle(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines running, want at most %d: the heartbeat goroutine leaked", runtime.NumGoroutine(), base)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestHiddenGoroutineExits(t *testing.T) {
	base := goroutineBaseline()
	for range 5 {
		stop := Start(time.Millisecond, func() {})
		time.Sleep(2 * time.Millisecond)
		stop()
	}
	hiddenSettle(t, base)
}

func TestHiddenStopTwice(t *testing.T) {
	base := goroutineBaseline()
	stop := Start(time.Hour, func() {})
	stop()
	stop()
	hiddenSettle(t, base)
}

func TestHiddenConcurrentStop(t *testing.T) {
	stop := Start(time.Millisecond, func() {})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(stop)
	}
	wg.Wait()
}
