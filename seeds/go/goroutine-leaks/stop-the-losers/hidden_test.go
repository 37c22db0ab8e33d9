package exercise

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestHiddenLosersAreCancelled(t *testing.T) {
	base := goroutineBaseline()
	waiter := func(ctx context.Context, q string) (string, error) {
		<-ctx.Done() // only a cancelled context ends this replica
		return "", ctx.Err()
	}
	fast := func(ctx context.Context, q string) (string, error) { return "fast", nil }
	if got, err := First(context.Background(), "q", waiter, waiter, fast, waiter); err != nil || got != "fast" {
		t.Fatalf(`First = %q, %v; want "fast", nil`, got, err)
	}
	waitForGoroutines(t, base)
}

func TestHiddenManyLateReplicas(t *testing.T) {
	base := goroutineBaseline()
	release := make(chan struct{})
	late := func(ctx context.Context, q string) (string, error) {
		<-release
		return "late", nil
	}
	fast := func(ctx context.Context, q string) (string, error) { return "fast", nil }
	reps := []Replica{late, late, late, late, fast, late}
	if got, err := First(context.Background(), "q", reps...); err != nil || got != "fast" {
		t.Fatalf(`First = %q, %v; want "fast", nil`, got, err)
	}
	close(release)
	waitForGoroutines(t, base)
}

func TestHiddenDeadline(t *testing.T) {
	base := goroutineBaseline()
	waiter := func(ctx context.Context, q string) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := First(ctx, "q", waiter, waiter)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want context.DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 1500*time.Millisecond {
		t.Fatalf("First returned after %v, want soon after the 30ms deadline", d)
	}
	waitForGoroutines(t, base)
}

func TestHiddenFailuresAreSkipped(t *testing.T) {
	errA := errors.New("replica a down")
	failed := make(chan struct{})
	bad := func(ctx context.Context, q string) (string, error) {
		defer close(failed)
		return "", errA
	}
	good := func(ctx context.Context, q string) (string, error) {
		<-failed // answers only after the failing replica has finished
		return "good", nil
	}
	got, err := First(context.Background(), "q", bad, good)
	if err != nil || got != "good" {
		t.Fatalf(`First = %q, %v; want "good", nil (a failed replica must not win)`, got, err)
	}
}

func TestHiddenAllFail(t *testing.T) {
	errA, errB := errors.New("a down"), errors.New("b down")
	a := func(ctx context.Context, q string) (string, error) { return "", errA }
	b := func(ctx context.Context, q string) (string, error) { return "", errB }
	_, err := First(context.Background(), "q", a, b)
	if !errors.Is(err, errA) || !errors.Is(err, errB) {
		t.Fatalf("err = %v, want an error wrapping both replica errors", err)
	}
}

func TestHiddenNoReplicas(t *testing.T) {
	if _, err := First(context.Background(), "q"); !errors.Is(err, ErrNoReplicas) {
		t.Fatalf("err = %v, want ErrNoReplicas", err)
	}
}
