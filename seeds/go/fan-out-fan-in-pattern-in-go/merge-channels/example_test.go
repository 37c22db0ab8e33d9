package exercise

import (
	"context"
	"runtime"
	"slices"
	"testing"
	"time"
)

func gen(vals ...int) <-chan int {
	ch := make(chan int)
	go func() {
		defer close(ch)
		for _, v := range vals {
			ch <- v
		}
	}()
	return ch
}

// readAll reads until out is closed, failing after 2 seconds.
func readAll(t *testing.T, out <-chan int) []int {
	t.Helper()
	var got []int
	timeout := time.After(2 * time.Second)
	for {
		select {
		case v, ok := <-out:
			if !ok {
				slices.Sort(got)
				return got
			}
			got = append(got, v)
		case <-timeout:
			t.Fatalf("merged channel not closed within 2s (got %v)", got)
		}
	}
}

func TestMergeTwo(t *testing.T) {
	got := readAll(t, Merge(context.Background(), gen(1, 3, 5), gen(2, 4)))
	if !slices.Equal(got, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("got %v, want 1..5 in any order", got)
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
