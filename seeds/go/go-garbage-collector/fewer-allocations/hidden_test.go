package exercise

import (
	"strconv"
	"strings"
	"testing"
)

func TestHiddenJoinIDsAllocs(t *testing.T) {
	ids := make([]int, 1000)
	for i := range ids {
		ids[i] = i * 997
	}
	if a := testing.AllocsPerRun(20, func() { JoinIDs(ids) }); a > 1 {
		t.Fatalf("JoinIDs(1000 ids) makes %.0f allocations per call, want at most 1", a)
	}
}

func TestHiddenJoinIDsMatchesSimpleVersion(t *testing.T) {
	ids := []int{0, -1, 1 << 40, 123456789, 5}
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.Itoa(id)
	}
	if got, want := JoinIDs(ids), strings.Join(parts, ","); got != want {
		t.Fatalf("JoinIDs = %q, want %q", got, want)
	}
	if got := JoinIDs(nil); got != "" {
		t.Fatalf("JoinIDs(nil) = %q, want empty", got)
	}
}

func TestHiddenSquaresEdges(t *testing.T) {
	for _, n := range []int{0, -5} {
		if got := Squares(n); got == nil || len(got) != 0 {
			t.Fatalf("Squares(%d) = %#v, want an empty non-nil slice", n, got)
		}
	}
	if got := Squares(3000); len(got) != 3000 || got[2999] != 2999*2999 {
		t.Fatalf("Squares(3000) wrong length or last value")
	}
	if a := testing.AllocsPerRun(10, func() { Squares(5000) }); a > 1 {
		t.Fatalf("Squares(5000) makes %.0f allocations per call, want at most 1", a)
	}
}
