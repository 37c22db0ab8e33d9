package exercise

import (
	"strconv"
	"strings"
)

// Squares returns i*i for i in [0, n).
func Squares(n int) []int {
	out := make([]int, 0, max(n, 0)) // one allocation of the final size
	for i := range max(n, 0) {
		out = append(out, i*i)
	}
	return out
}

// JoinIDs collects strings and joins them: one allocation per number plus the slice and the result.
func JoinIDs(ids []int) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	return strings.Join(parts, ",")
}
