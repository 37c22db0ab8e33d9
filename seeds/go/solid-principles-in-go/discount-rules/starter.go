package exercise

// Invoice is what rules look at.
type Invoice struct {
	Customer string
	Cents    int64
	Items    int
}

// DiscountRule returns a discount between 0 and inv.Cents and does not modify anything.
type DiscountRule interface {
	Name() string
	Discount(inv Invoice) int64
}

// BulkDiscount takes Pct percent off orders of at least MinItems items.
type BulkDiscount struct {
	MinItems int
	Pct      int64
}

func (BulkDiscount) Name() string { return "bulk" }

func (d BulkDiscount) Discount(inv Invoice) int64 {
	return 0 // TODO
}

// LoyaltyDiscount takes a flat amount off for loyal customers.
type LoyaltyDiscount struct {
	Customers map[string]bool
	Cents     int64
}

func (LoyaltyDiscount) Name() string { return "loyalty" }

func (d LoyaltyDiscount) Discount(inv Invoice) int64 {
	return 0 // TODO
}

// Total subtracts every rule's discount, each clamped to [0, inv.Cents], and never goes below 0.
func Total(inv Invoice, rules ...DiscountRule) int64 {
	return inv.Cents // TODO
}
