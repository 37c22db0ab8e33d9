package exercise

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// Line is one line of an order.
type Line struct {
	SKU      string
	Quantity int
}

// Totals declares the map without making it: the first write panics.
func Totals(lines []Line) map[string]int {
	var totals map[string]int
	for _, l := range lines {
		totals[l.SKU] += l.Quantity
	}
	return totals
}

// Report renders "SKU=quantity" lines sorted by SKU, joined with "\n".
func Report(totals map[string]int) string {
	var b strings.Builder
	for i, sku := range slices.Sorted(maps.Keys(totals)) {
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s=%d", sku, totals[sku])
	}
	return b.String()
}
