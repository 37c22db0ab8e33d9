package exercise

import (
	"fmt"
	"strings"
)

// Line is one line of an order.
type Line struct {
	SKU      string
	Quantity int
}

// Totals sums Quantity per SKU. It never returns a nil map.
func Totals(lines []Line) map[string]int {
	totals := make(map[string]int)
	for _, l := range lines {
		totals[l.SKU] += l.Quantity
	}
	return totals
}

// Report prints in map iteration order, which Go randomises.
func Report(totals map[string]int) string {
	var parts []string
	for sku, q := range totals {
		parts = append(parts, fmt.Sprintf("%s=%d", sku, q))
	}
	return strings.Join(parts, "\n")
}
