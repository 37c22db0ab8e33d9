package exercise

import "testing"

func TestSquaresValues(t *testing.T) {
	got := Squares(5)
	want := []int{0, 1, 4, 9, 16}
	if len(got) != len(want) {
		t.Fatalf("Squares(5) = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Squares(5) = %v, want %v", got, want)
		}
	}
}

func TestJoinIDsValues(t *testing.T) {
	if got := JoinIDs([]int{7, 42, 1000, -3}); got != "7,42,1000,-3" {
		t.Fatalf("JoinIDs = %q, want %q", got, "7,42,1000,-3")
	}
}

func TestSquaresAllocs(t *testing.T) {
	if a := testing.AllocsPerRun(20, func() { Squares(1000) }); a > 1 {
		t.Fatalf("Squares(1000) makes %.0f allocations per call, want at most 1", a)
	}
}
