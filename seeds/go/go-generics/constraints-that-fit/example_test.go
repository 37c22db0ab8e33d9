package exercise

import (
	"slices"
	"testing"
)

func TestSumInts(t *testing.T) {
	if got := Sum([]int{1, 2, 3}); got != 6 {
		t.Fatalf("Sum = %d, want 6", got)
	}
}

func TestMaxInts(t *testing.T) {
	if got, ok := Max([]int{3, 9, 2}); !ok || got != 9 {
		t.Fatalf("Max = %d, %v; want 9, true", got, ok)
	}
}

func TestUniqStrings(t *testing.T) {
	got := Uniq([]string{"b", "a", "b", "c", "a"})
	if want := []string{"b", "a", "c"}; !slices.Equal(got, want) {
		t.Fatalf("Uniq = %v, want %v", got, want)
	}
}
