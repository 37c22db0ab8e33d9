package exercise

import (
	"strings"
	"testing"
	"time"
)

func TestSimpleExport(t *testing.T) {
	var b strings.Builder
	orders := []Order{{ID: 1, Customer: "Ana", TotalCents: 1205, PlacedAt: time.Date(2026, 11, 30, 23, 15, 0, 0, time.UTC)}}
	if err := WriteOrdersCSV(&b, orders); err != nil {
		t.Fatal(err)
	}
	want := "order_id,customer,total_eur,placed_at_utc\n1,Ana,12.05,2026-11-30T23:15:00Z\n"
	if b.String() != want {
		t.Fatalf("got\n%q\nwant\n%q", b.String(), want)
	}
}
