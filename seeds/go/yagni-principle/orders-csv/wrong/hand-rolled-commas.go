package exercise

import (
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

// WriteOrdersCSV joins fields with commas by hand: a comma in a name shifts every column.
func WriteOrdersCSV(w io.Writer, orders []Order) error {
	if _, err := fmt.Fprintln(w, "order_id,customer,total_eur,placed_at_utc"); err != nil {
		return err
	}
	for _, o := range orders {
		_, err := fmt.Fprintf(w, "%d,%s,%s,%s\n", o.ID, o.Customer, euros(o.TotalCents), o.PlacedAt.UTC().Format(time.RFC3339))
		if err != nil {
			return err
		}
	}
	return nil
}
