package exercise

import (
	"strconv"
	"strings"
)

// Squares appends to a slice without capacity: it regrows a dozen times.
func Squares(n int) []int {
	var out []int
	for i := range max(n, 0) {
		out = append(out, i*i)
	}
	if out == nil {
		out = []int{}
	}
	return out
}

// JoinIDs returns the IDs in decimal, separated by commas.
func JoinIDs(ids []int) string {
	var b strings.Builder
	b.Grow(len(ids) * 8) // a generous guess: one allocation in the common case
	var digits [20]byte  // scratch space on the stack
	for i, id := range ids {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(strconv.AppendInt(digits[:0], int64(id), 10))
	}
	return b.String()
}
