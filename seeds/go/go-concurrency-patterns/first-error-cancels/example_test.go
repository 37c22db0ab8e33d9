package exercise

import (
	"context"
	"errors"
	"testing"
	"time"
)

// waitWithin fails the test if g.Wait does not return within d.
func waitWithin(t *testing.T, g *Group, d time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- g.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(d):
		t.Fatalf("Wait did not return within %v", d)
		return nil
	}
}

func TestAllSucceed(t *testing.T) {
	g, _ := WithContext(context.Background())
	results := make([]int, 3)
	for i := range 3 {
		g.Go(func() error { results[i] = i * 10; return nil })
	}
	if err := waitWithin(t, g, 2*time.Second); err != nil {
		t.Fatalf("Wait = %v, want nil", err)
	}
	if results[2] != 20 {
		t.Fatalf("results = %v; Wait returned before the tasks finished", results)
	}
}

func TestErrorReturned(t *testing.T) {
	boom := errors.New("boom")
	g, _ := WithContext(context.Background())
	g.Go(func() error { return boom })
	g.Go(func() error { return nil })
	if err := waitWithin(t, g, 2*time.Second); !errors.Is(err, boom) {
		t.Fatalf("Wait = %v, want boom", err)
	}
}
