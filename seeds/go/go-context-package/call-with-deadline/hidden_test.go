package exercise

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

// callWithin runs Call in a goroutine and fails the test if it has not returned after 2 seconds.
func callWithin(t *testing.T, ctx context.Context, op func() (int, error)) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := Call(ctx, op)
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(2 * time.Second):
		t.Fatal("Call did not return within 2s although its context had ended")
		return nil
	}
}

func TestHiddenOpErrorPassesThrough(t *testing.T) {
	boom := errors.New("boom")
	if _, err := Call(context.Background(), func() (string, error) { return "", boom }); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
}

func TestHiddenCancelIsCanceled(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(10*time.Millisecond, cancel)
	err := callWithin(t, ctx, func() (int, error) { <-release; return 1, nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestHiddenDeadContextDoesNotStart(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var started atomic.Bool
	_, err := Call(ctx, func() (int, error) { started.Store(true); return 1, nil })
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	time.Sleep(20 * time.Millisecond)
	if started.Load() {
		t.Fatal("op was started although ctx was already cancelled")
	}
}

func TestHiddenNoLeakAfterTimeout(t *testing.T) {
	base := goroutineBaseline()
	release := make(chan struct{})
	for range 5 {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Millisecond)
		err := callWithin(t, ctx, func() (int, error) { <-release; return 1, nil })
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	}
	close(release) // the slow operations finish now, after their callers gave up
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines still running, want at most %d: the goroutines that ran op are stuck", runtime.NumGoroutine(), base)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
