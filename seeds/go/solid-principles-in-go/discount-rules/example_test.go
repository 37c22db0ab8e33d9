package exercise

import "testing"

func TestBulkDiscount(t *testing.T) {
	inv := Invoice{Customer: "c", Cents: 10000, Items: 12}
	if got := Total(inv, BulkDiscount{MinItems: 10, Pct: 15}); got != 8500 {
		t.Fatalf("Total with 15%% bulk discount = %d, want 8500", got)
	}
	inv.Items = 9
	if got := Total(inv, BulkDiscount{MinItems: 10, Pct: 15}); got != 10000 {
		t.Fatalf("Total below MinItems = %d, want 10000", got)
	}
}

func TestLoyaltyDiscount(t *testing.T) {
	rule := LoyaltyDiscount{Customers: map[string]bool{"ana": true}, Cents: 500}
	if got := Total(Invoice{Customer: "ana", Cents: 2000}, rule); got != 1500 {
		t.Fatalf("Total for a loyal customer = %d, want 1500", got)
	}
}
