package exercise

import (
	"slices"
	"testing"
)

type testCents int64
type testCelsius float64

func TestHiddenSumNamedTypes(t *testing.T) {
	if got := Sum([]testCents{199, 1, 300}); got != testCents(500) {
		t.Fatalf("Sum(Cents) = %d, want 500", got)
	}
	if got := Sum([]testCelsius{1.5, -0.5}); got != testCelsius(1) {
		t.Fatalf("Sum(Celsius) = %v, want 1", got)
	}
	if got := Sum([]int8(nil)); got != 0 {
		t.Fatalf("Sum(nil) = %d, want 0", got)
	}
}

func TestHiddenMaxNegativeAndStrings(t *testing.T) {
	if got, ok := Max([]int{-7, -3, -9}); !ok || got != -3 {
		t.Fatalf("Max(negatives) = %d, %v; want -3, true", got, ok)
	}
	if got, ok := Max([]testCelsius{-40, -12.5}); !ok || got != -12.5 {
		t.Fatalf("Max(Celsius) = %v, %v; want -12.5, true", got, ok)
	}
	if got, ok := Max([]string{"pear", "apple", "zucchini", "fig"}); !ok || got != "zucchini" {
		t.Fatalf("Max(strings) = %q, %v; want zucchini, true", got, ok)
	}
}

func TestHiddenMaxEmpty(t *testing.T) {
	if got, ok := Max([]float64{}); ok || got != 0 {
		t.Fatalf("Max(empty) = %v, %v; want 0, false", got, ok)
	}
}

func TestHiddenUniqKeepsOrder(t *testing.T) {
	var in, want []int
	for i := range 200 {
		v := (i * 37) % 101 // a scrambled sequence with repeats
		in = append(in, v)
		if !slices.Contains(want, v) {
			want = append(want, v)
		}
	}
	if got := Uniq(in); !slices.Equal(got, want) {
		t.Fatalf("Uniq lost the first-occurrence order:\n got %v\nwant %v", got, want)
	}
	if got := Uniq([]testCents{5, 5, 5}); !slices.Equal(got, []testCents{5}) {
		t.Fatalf("Uniq(5,5,5) = %v, want [5]", got)
	}
}
