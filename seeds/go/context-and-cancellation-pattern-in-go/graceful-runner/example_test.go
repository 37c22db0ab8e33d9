package exercise

import (
	"context"
	"errors"
	"testing"
	"time"
)

// shutdownWithin calls r.Shutdown(ctx) and fails the test if it takes longer than d.
func shutdownWithin(t *testing.T, r *Runner, ctx context.Context, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- r.Shutdown(ctx) }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("Shutdown did not return within %v", d)
		return nil
	}
}

func TestTaskFinishesInGracePeriod(t *testing.T) {
	r := NewRunner()
	release := make(chan struct{})
	result := make(chan error, 1)
	if err := r.Go(func(ctx context.Context) {
		<-release           // still working when Shutdown starts
		result <- ctx.Err() // finishing normally: the context must still be live
	}); err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(20*time.Millisecond, func() { close(release) })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := shutdownWithin(t, r, ctx, 3*time.Second); err != nil {
		t.Fatalf("Shutdown = %v, want nil", err)
	}
	if err := <-result; err != nil {
		t.Fatalf("the task saw ctx.Err() = %v during the grace period, want nil", err)
	}
}

func TestGoAfterShutdown(t *testing.T) {
	r := NewRunner()
	if err := shutdownWithin(t, r, context.Background(), 2*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := r.Go(func(context.Context) {}); !errors.Is(err, ErrClosed) {
		t.Fatalf("Go after Shutdown = %v, want ErrClosed", err)
	}
}
