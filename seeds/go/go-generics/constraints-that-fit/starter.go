package exercise

// Number is the set of types Sum accepts. TODO: named types such as `type Cents int64` must fit.
type Number interface {
	int | int64 | float64
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
// TODO: give it a type parameter constrained by cmp.Ordered.
func Max(xs []int) (int, bool) {
	return 0, false
}

// Uniq returns xs without duplicates, in order of first occurrence.
// TODO: give it a type parameter constrained by comparable.
func Uniq(xs []string) []string {
	return xs
}
