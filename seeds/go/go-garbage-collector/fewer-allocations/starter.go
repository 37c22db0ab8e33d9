package exercise

import "strconv"

// Squares returns i*i for i in [0, n).
func Squares(n int) []int {
	out := []int{}
	for i := range max(n, 0) {
		out = append(out, i*i)
	}
	return out
}

// JoinIDs returns the IDs in decimal, separated by commas.
func JoinIDs(ids []int) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ","
		}
		s += strconv.Itoa(id)
	}
	return s
}
