package exercise

import (
	"encoding/csv"
	"fmt"
	"io"
	"time"
)

// Order is one row of the export.
type Order struct {
	ID         int64
	Customer   string
	TotalCents int64
	PlacedAt   time.Time
}

func euros(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s%d.%02d", sign, cents/100, cents%100)
}

// Exporter lets other teams plug in more formats later.
type Exporter interface {
	Export(w io.Writer, orders []Order) error
}

// CSVExporter is the only implementation so far.
type CSVExporter struct{ Columns []string }

// Exporters is the registry of formats.
var Exporters = map[string]Exporter{"csv": CSVExporter{Columns: []string{"order_id", "customer", "total_eur", "placed_at_utc"}}}

// Export writes orders as CSV.
func (e CSVExporter) Export(w io.Writer, orders []Order) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(e.Columns); err != nil {
		return err
	}
	for _, o := range orders {
		if err := cw.Write([]string{fmt.Sprint(o.ID), o.Customer, euros(o.TotalCents), o.PlacedAt.UTC().Format(time.RFC3339)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteOrdersCSV goes through the registry.
func WriteOrdersCSV(w io.Writer, orders []Order) error {
	return Exporters["csv"].Export(w, orders)
}
