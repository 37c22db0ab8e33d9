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
	if inv.Items < d.MinItems {
		return 0
	}
	return inv.Cents * d.Pct / 100
}

// LoyaltyDiscount takes a flat amount off for loyal customers.
type LoyaltyDiscount struct {
	Customers map[string]bool
	Cents     int64
}

func (LoyaltyDiscount) Name() string { return "loyalty" }

func (d LoyaltyDiscount) Discount(inv Invoice) int64 {
	if !d.Customers[inv.Customer] {
		return 0
	}
	return min(d.Cents, inv.Cents) // the contract: never more than the invoice
}

// Total switches over the rule types it knows: a new rule type is silently ignored.
func Total(inv Invoice, rules ...DiscountRule) int64 {
	total := inv.Cents
	for _, r := range rules {
		switch r := r.(type) {
		case BulkDiscount:
			total -= r.Discount(inv)
		case LoyaltyDiscount:
			total -= r.Discount(inv)
		}
	}
	return max(total, 0)
}
