package exercise

import "testing"

// firstOrder is a rule the package has never seen: Total must apply it unchanged.
type firstOrder struct{}

func (firstOrder) Name() string               { return "first-order" }
func (firstOrder) Discount(inv Invoice) int64 { return 100 }

// broken violates the contract; Total must not be fooled by it.
type broken struct{ d int64 }

func (broken) Name() string             { return "broken" }
func (b broken) Discount(Invoice) int64 { return b.d }

func TestHiddenNewRuleWithoutEditingTotal(t *testing.T) {
	inv := Invoice{Customer: "bo", Cents: 1000, Items: 1}
	if got := Total(inv, firstOrder{}); got != 900 {
		t.Fatalf("Total with a new rule type = %d, want 900", got)
	}
}

func TestHiddenLoyaltyNeverExceedsInvoice(t *testing.T) {
	rule := LoyaltyDiscount{Customers: map[string]bool{"ana": true}, Cents: 500}
	inv := Invoice{Customer: "ana", Cents: 300}
	if d := rule.Discount(inv); d != 300 {
		t.Fatalf("LoyaltyDiscount on a 300-cent invoice = %d, want 300 (capped)", d)
	}
	if d := rule.Discount(Invoice{Customer: "zed", Cents: 300}); d != 0 {
		t.Fatalf("LoyaltyDiscount for an unknown customer = %d, want 0", d)
	}
}

func TestHiddenClampsMisbehavingRules(t *testing.T) {
	inv := Invoice{Customer: "x", Cents: 1000, Items: 20}
	if got := Total(inv, broken{-400}); got != 1000 {
		t.Fatalf("a negative discount raised the price: Total = %d, want 1000", got)
	}
	if got := Total(inv, broken{5000}); got != 0 {
		t.Fatalf("Total with an oversized discount = %d, want 0", got)
	}
	if got := Total(inv, BulkDiscount{MinItems: 10, Pct: 60}, BulkDiscount{MinItems: 10, Pct: 60}); got != 0 {
		t.Fatalf("Total never goes below 0: got %d", got)
	}
}

func TestHiddenRulesSeeOriginalInvoice(t *testing.T) {
	inv := Invoice{Customer: "ana", Cents: 10000, Items: 10}
	rules := []DiscountRule{
		BulkDiscount{MinItems: 10, Pct: 10},
		LoyaltyDiscount{Customers: map[string]bool{"ana": true}, Cents: 500},
		firstOrder{},
	}
	if got := Total(inv, rules...); got != 8400 {
		t.Fatalf("Total = %d, want 10000-1000-500-100 = 8400", got)
	}
}
