package exercise

import (
	"fmt"
	"strings"
	"testing"
)

func TestHiddenTotalsEmptyIsUsable(t *testing.T) {
	for _, in := range [][]Line{nil, {}} {
		m := Totals(in)
		if m == nil {
			t.Fatalf("Totals(%v) returned a nil map", in)
		}
		m["x"]++ // the caller must be able to add to it
	}
}

func TestHiddenReportSorted(t *testing.T) {
	totals := map[string]int{}
	var want []string
	for i := range 12 {
		sku := fmt.Sprintf("sku-%02d", i)
		totals[sku] = i * 10
		want = append(want, fmt.Sprintf("%s=%d", sku, i*10))
	}
	for range 20 {
		if got := Report(totals); got != strings.Join(want, "\n") {
			t.Fatalf("Report = %q\nwant %q", got, strings.Join(want, "\n"))
		}
	}
}

func TestHiddenReportEmpty(t *testing.T) {
	if got := Report(nil); got != "" {
		t.Fatalf("Report(nil) = %q, want empty", got)
	}
}

func TestHiddenEndToEnd(t *testing.T) {
	got := Report(Totals([]Line{{"b", 1}, {"a", 2}, {"c", 0}, {"b", 4}}))
	if want := "a=2\nb=5\nc=0"; got != want {
		t.Fatalf("Report = %q, want %q", got, want)
	}
}
