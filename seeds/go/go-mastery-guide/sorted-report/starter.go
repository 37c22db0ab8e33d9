package exercise

// Line is one line of an order.
type Line struct {
	SKU      string
	Quantity int
}

// Totals sums Quantity per SKU. It never returns a nil map.
func Totals(lines []Line) map[string]int {
	// TODO
	return nil
}

// Report renders "SKU=quantity" lines sorted by SKU, joined with "\n".
func Report(totals map[string]int) string {
	// TODO
	return ""
}
