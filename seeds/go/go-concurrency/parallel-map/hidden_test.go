package exercise

import (
	"context"
	"fmt"
	"slices"
	"sync/atomic"
	"testing"
	"time"
)

// reverseFinisher makes call i wait until call i+1 has finished, so calls complete in reverse order.
func reverseFinisher(n int) func(int) string {
	done := make([]chan struct{}, n+1)
	for i := range done {
		done[i] = make(chan struct{})
	}
	close(done[n])
	return func(i int) string {
		<-done[i+1]
		defer close(done[i])
		return fmt.Sprint("r", i)
	}
}

func TestHiddenOrderUnderReverseCompletion(t *testing.T) {
	const n = 50
	items := make([]int, n)
	want := make([]string, n)
	for i := range n {
		items[i] = i
		want[i] = fmt.Sprint("r", i)
	}
	if got := ParallelMap(items, reverseFinisher(n)); !slices.Equal(got, want) {
		t.Fatalf("ParallelMap results out of input order:\n got %v\nwant %v", got, want)
	}
}

func TestHiddenCountManyConcurrent(t *testing.T) {
	items := make([]int, 2000)
	for i := range items {
		items[i] = i
	}
	got := CountMatches(items, func(x int) bool { return x%3 == 0 })
	if got != 667 {
		t.Fatalf("CountMatches = %d, want 667", got)
	}
}

func TestHiddenEmpty(t *testing.T) {
	if got := ParallelMap([]int{}, func(int) int { return 1 }); len(got) != 0 {
		t.Fatalf("ParallelMap(empty) = %v", got)
	}
	if got := CountMatches([]string(nil), func(string) bool { return true }); got != 0 {
		t.Fatalf("CountMatches(nil) = %d", got)
	}
}

func TestHiddenCountCallsOverlap(t *testing.T) {
	// Every pred call waits until all of them have started: only concurrent calls all return true.
	const n = 20
	var started atomic.Int32
	allIn := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	got := CountMatches(make([]int, n), func(int) bool {
		if started.Add(1) == n {
			close(allIn)
		}
		select {
		case <-allIn:
			return true
		case <-ctx.Done():
			return false
		}
	})
	if got != n {
		t.Fatalf("CountMatches = %d, want %d: the pred calls did not run concurrently", got, n)
	}
}
