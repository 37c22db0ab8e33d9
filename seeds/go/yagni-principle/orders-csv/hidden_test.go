package exercise

import (
	"encoding/csv"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
	"time"
)

func TestHiddenAwkwardNamesRoundTrip(t *testing.T) {
	names := []string{"Acme, Inc.", `Bob "The Builder"`, "multi\nline", "plain"}
	var orders []Order
	for i, n := range names {
		orders = append(orders, Order{ID: int64(i + 1), Customer: n, TotalCents: 100, PlacedAt: time.Unix(0, 0)})
	}
	var b strings.Builder
	if err := WriteOrdersCSV(&b, orders); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatalf("output does not parse as CSV: %v\n%s", err, b.String())
	}
	if len(recs) != len(names)+1 {
		t.Fatalf("%d records, want %d", len(recs), len(names)+1)
	}
	for i, n := range names {
		if len(recs[i+1]) != 4 || recs[i+1][1] != n {
			t.Fatalf("row %d = %q, want 4 fields with customer %q", i+1, recs[i+1], n)
		}
	}
}

func TestHiddenAmountsAndUTC(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	orders := []Order{
		{ID: 7, Customer: "a", TotalCents: -350, PlacedAt: time.Date(2026, 12, 1, 0, 30, 0, 0, berlin)},
		{ID: 8, Customer: "b", TotalCents: 5, PlacedAt: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)},
		{ID: 9, Customer: "c", TotalCents: 0, PlacedAt: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)},
	}
	var b strings.Builder
	if err := WriteOrdersCSV(&b, orders); err != nil {
		t.Fatal(err)
	}
	recs, _ := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	want := [][]string{
		{"7", "a", "-3.50", "2026-11-30T23:30:00Z"},
		{"8", "b", "0.05", "2026-12-01T12:00:00Z"},
		{"9", "c", "0.00", "2026-12-01T12:00:00Z"},
	}
	for i, w := range want {
		if strings.Join(recs[i+1], "|") != strings.Join(w, "|") {
			t.Errorf("row %d = %q, want %q", i+1, recs[i+1], w)
		}
	}
}

type brokenWriter struct{}

var errBroken = errors.New("pipe closed")

func (brokenWriter) Write([]byte) (int, error) { return 0, errBroken }

func TestHiddenWriterErrorReturned(t *testing.T) {
	err := WriteOrdersCSV(brokenWriter{}, []Order{{ID: 1}})
	if !errors.Is(err, errBroken) {
		t.Fatalf("WriteOrdersCSV on a failing writer = %v, want the writer's error", err)
	}
}

func TestHiddenNoSpeculativeAbstractions(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "solution.go", nil, 0)
	if err != nil {
		t.Fatalf("cannot read solution.go: %v", err)
	}
	allowed := map[string]bool{"Order": true, "WriteOrdersCSV": true}
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Recv == nil && d.Name.IsExported() && !allowed[d.Name.Name] {
				t.Errorf("exported function %s: finance asked for one CSV export", d.Name.Name)
			}
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.TypeSpec:
					if s.Name.IsExported() && !allowed[s.Name.Name] {
						t.Errorf("exported type %s: no exporter abstraction was asked for", s.Name.Name)
					}
				case *ast.ValueSpec:
					for _, n := range s.Names {
						if n.IsExported() {
							t.Errorf("exported variable %s: no registry was asked for", n.Name)
						}
					}
				}
			}
		}
	}
}
