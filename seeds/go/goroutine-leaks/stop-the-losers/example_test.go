package exercise

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// waitForGoroutines fails the test unless the goroutine count drops back to at most base.
func waitForGoroutines(t *testing.T, base int) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines still running, want at most %d: a goroutine leaked", runtime.NumGoroutine(), base)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestFirstAnswerWins(t *testing.T) {
	fast := func(ctx context.Context, q string) (string, error) { return "fast:" + q, nil }
	slow := func(ctx context.Context, q string) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	}
	got, err := First(context.Background(), "q", slow, fast)
	if err != nil || got != "fast:q" {
		t.Fatalf(`First = %q, %v; want "fast:q", nil`, got, err)
	}
}

func TestLateReplicaDoesNotLeak(t *testing.T) {
	base := goroutineBaseline()
	release := make(chan struct{})
	fast := func(ctx context.Context, q string) (string, error) { return "fast", nil }
	// late ignores its context and finishes only after First has returned.
	late := func(ctx context.Context, q string) (string, error) {
		<-release
		return "late", nil
	}
	if got, err := First(context.Background(), "q", late, fast); err != nil || got != "fast" {
		t.Fatalf(`First = %q, %v; want "fast", nil`, got, err)
	}
	close(release)
	waitForGoroutines(t, base)
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
