package exercise

import (
	"fmt"
	"testing"
	"time"
)

// feed returns a closed-after-use channel carrying vals.
func feed[T any](vals ...T) <-chan T {
	ch := make(chan T)
	go func() {
		defer close(ch)
		for _, v := range vals {
			ch <- v
		}
	}()
	return ch
}

// collect reads out until it is closed, failing the test if that takes more than 2 seconds.
func collect[T any](t *testing.T, out <-chan []T) [][]T {
	t.Helper()
	var got [][]T
	timeout := time.After(2 * time.Second)
	for {
		select {
		case b, ok := <-out:
			if !ok {
				return got
			}
			got = append(got, b)
		case <-timeout:
			t.Fatalf("output channel not closed after 2s (got %v so far)", got)
		}
	}
}

func TestBatchFullBatches(t *testing.T) {
	got := collect(t, Batch(feed(1, 2, 3, 4), 2))
	if fmt.Sprint(got) != "[[1 2] [3 4]]" {
		t.Fatalf("batches = %v, want [[1 2] [3 4]]", got)
	}
}
