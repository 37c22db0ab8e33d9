package exercise

import (
	"slices"
	"testing"
)

func TestParallelMapSquares(t *testing.T) {
	got := ParallelMap([]int{1, 2, 3, 4}, func(x int) int { return x * x })
	if want := []int{1, 4, 9, 16}; !slices.Equal(got, want) {
		t.Fatalf("ParallelMap = %v, want %v", got, want)
	}
}

func TestCountMatchesEven(t *testing.T) {
	if got := CountMatches([]int{1, 2, 3, 4, 6}, func(x int) bool { return x%2 == 0 }); got != 3 {
		t.Fatalf("CountMatches = %d, want 3", got)
	}
}
