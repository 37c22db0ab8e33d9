package exercise

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestHiddenFirstErrorCancelsSiblings(t *testing.T) {
	boom := errors.New("boom")
	g, ctx := WithContext(context.Background())
	for range 5 {
		g.Go(func() error {
			<-ctx.Done() // these only stop when the group cancels
			return ctx.Err()
		})
	}
	g.Go(func() error { return boom })
	err := waitWithin(t, g, 2*time.Second)
	if !errors.Is(err, boom) {
		t.Fatalf("Wait = %v, want the first error (boom), not the siblings' context errors", err)
	}
}

func TestHiddenCauseBeatsConsequence(t *testing.T) {
	cause := errors.New("db down")
	g, ctx := WithContext(context.Background())
	failed := make(chan struct{})
	g.Go(func() error {
		defer close(failed)
		return cause
	})
	for range 3 {
		g.Go(func() error {
			<-failed
			<-ctx.Done()
			return ctx.Err()
		})
	}
	if err := waitWithin(t, g, 2*time.Second); !errors.Is(err, cause) {
		t.Fatalf("Wait = %v, want db down", err)
	}
}

func TestHiddenContextCancelledAfterWait(t *testing.T) {
	g, ctx := WithContext(context.Background())
	g.Go(func() error { return nil })
	if err := waitWithin(t, g, 2*time.Second); err != nil {
		t.Fatalf("Wait = %v", err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
		t.Fatal("the group's context is still live after Wait returned")
	}
}

func TestHiddenParentCancellation(t *testing.T) {
	parent, cancel := context.WithCancel(context.Background())
	g, ctx := WithContext(parent)
	g.Go(func() error { <-ctx.Done(); return ctx.Err() })
	cancel()
	if err := waitWithin(t, g, 2*time.Second); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
}
