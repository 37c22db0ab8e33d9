package exercise

import "cmp"

// Number is the set of types Sum accepts, named types included.
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 | ~float32 | ~float64
}

// Sum adds xs.
func Sum[T Number](xs []T) T {
	var total T
	for _, x := range xs {
		total += x
	}
	return total
}

// Max returns the largest element of xs and true, or the zero value and false if xs is empty.
func Max[T cmp.Ordered](xs []T) (T, bool) {
	if len(xs) == 0 {
		var zero T
		return zero, false
	}
	m := xs[0] // not the zero value: all elements may be negative
	for _, x := range xs[1:] {
		m = max(m, x)
	}
	return m, true
}

// Uniq returns xs without duplicates, in order of first occurrence.
func Uniq[T comparable](xs []T) []T {
	seen := make(map[T]bool, len(xs))
	out := make([]T, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
