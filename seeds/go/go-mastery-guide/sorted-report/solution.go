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

// Totals sums Quantity per SKU. It never returns a nil map.
func Totals(lines []Line) map[string]int {
	totals := make(map[string]int, len(lines)) // a nil map would panic on the first write
	for _, l := range lines {
		totals[l.SKU] += l.Quantity
	}
	return totals
}

// Report renders "SKU=quantity" lines sorted by SKU, joined with "\n".
func Report(totals map[string]int) string {
	var b strings.Builder
	for i, sku := range slices.Sorted(maps.Keys(totals)) { // map order is random: sort first
		if i > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%s=%d", sku, totals[sku])
	}
	return b.String()
}
