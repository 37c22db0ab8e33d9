package exercise

import "testing"

func TestTotals(t *testing.T) {
	got := Totals([]Line{{"apple", 2}, {"pear", 1}, {"apple", 3}})
	if got["apple"] != 5 || got["pear"] != 1 || len(got) != 2 {
		t.Fatalf("Totals = %v, want map[apple:5 pear:1]", got)
	}
}

func TestReportOneSKU(t *testing.T) {
	if got := Report(map[string]int{"apple": 5}); got != "apple=5" {
		t.Fatalf("Report = %q, want %q", got, "apple=5")
	}
}
