package exercise

import (
	"context"
	"fmt"
	"testing"
)

func TestHiddenStalledInput(t *testing.T) {
	base := goroutineBaseline()
	ctx, cancel := context.WithCancel(context.Background())
	in := make(chan int) // never sends, never closes
	out := Stage(ctx, in, func(v int) int { return v })
	cancel()
	if got := drain(t, out); len(got) != 0 {
		t.Fatalf("got %v from a silent input", got)
	}
	settle(t, base)
}

func TestHiddenConsumerWalksAway(t *testing.T) {
	base := goroutineBaseline()
	ctx, cancel := context.WithCancel(context.Background())
	in := make(chan int, 100)
	for i := range 100 {
		in <- i
	}
	computed := make(chan int, 100)
	out := Stage(ctx, in, func(v int) int { computed <- v; return v })
	if v := <-out; v != 0 {
		t.Fatalf("first value = %d, want 0", v)
	}
	for v := range computed { // wait until the stage holds the next value, ready to send it
		if v == 1 {
			break
		}
	}
	cancel() // the consumer stops reading; the stage must not wait for it
	settle(t, base)
}

func TestHiddenChainedStagesKeepOrder(t *testing.T) {
	ctx := context.Background()
	in := source(1, 2, 3, 4, 5)
	sq := Stage(ctx, in, func(v int) int { return v * v })
	str := Stage(ctx, sq, func(v int) string { return fmt.Sprint(v) })
	got := drain(t, str)
	if fmt.Sprint(got) != "[1 4 9 16 25]" {
		t.Fatalf("got %v, want [1 4 9 16 25]", got)
	}
}

func TestHiddenClosesOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	in := make(chan int)
	out := Stage(ctx, in, func(v int) int { return v })
	in <- 1
	if v := <-out; v != 1 {
		t.Fatalf("got %d, want 1", v)
	}
	cancel()
	drain(t, out) // must end: the output is closed on cancellation
}
