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

// Max starts from the zero value of T: wrong when every element is below it.
func Max[T cmp.Ordered](xs []T) (T, bool) {
	var m T
	for _, x := range xs {
		if x > m {
			m = x
		}
	}
	return m, len(xs) > 0
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
