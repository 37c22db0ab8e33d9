package exercise

import (
	"fmt"
	"testing"
)

func TestHiddenFlushesTail(t *testing.T) {
	got := collect(t, Batch(feed("a", "b", "c", "d", "e"), 3))
	if fmt.Sprint(got) != "[[a b c] [d e]]" {
		t.Fatalf("batches = %v, want [[a b c] [d e]]", got)
	}
}

func TestHiddenEmptyInputCloses(t *testing.T) {
	if got := collect(t, Batch(feed[int](), 4)); len(got) != 0 {
		t.Fatalf("batches = %v, want none", got)
	}
}

func TestHiddenSizeBelowOne(t *testing.T) {
	got := collect(t, Batch(feed(7, 8), 0))
	if fmt.Sprint(got) != "[[7] [8]]" {
		t.Fatalf("batches = %v, want [[7] [8]]", got)
	}
}

func TestHiddenReceiverOwnsBatches(t *testing.T) {
	vals := make([]int, 100)
	for i := range vals {
		vals[i] = i
	}
	got := collect(t, Batch(feed(vals...), 10)) // keeps every batch, reads them afterwards
	if len(got) != 10 {
		t.Fatalf("got %d batches, want 10", len(got))
	}
	for i, b := range got {
		for j, v := range b {
			if v != i*10+j {
				t.Fatalf("batch %d = %v: a batch changed after it was sent", i, b)
			}
		}
	}
}
