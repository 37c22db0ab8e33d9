package exercise

import (
	"errors"
	"fmt"
	"maps"
	"testing"
)

// withRule changes the rule's data for one test and restores it afterwards.
func withRule(t *testing.T, threshold int, extra map[string]Rate) {
	oldRates, oldThreshold := maps.Clone(Rates), FreeShippingOverCents
	t.Cleanup(func() { Rates, FreeShippingOverCents = oldRates, oldThreshold })
	FreeShippingOverCents = threshold
	maps.Copy(Rates, extra)
}

func TestHiddenBothFollowThreshold(t *testing.T) {
	withRule(t, 3000, nil)
	if got := CartPreview("domestic", 100, 3500); got != "Shipping: free" {
		t.Fatalf("with threshold 3000, CartPreview(3500) = %q, want free", got)
	}
	if got, _ := InvoiceLine("domestic", 100, 3500); got != "shipping;0" {
		t.Fatalf("with threshold 3000, InvoiceLine(3500) = %q, want shipping;0", got)
	}
	withRule(t, 8000, nil)
	if got, _ := InvoiceLine("domestic", 100, 6000); got != "shipping;590" {
		t.Fatalf("with threshold 8000, InvoiceLine(6000) = %q, want shipping;590", got)
	}
}

func TestHiddenNewZoneEverywhere(t *testing.T) {
	withRule(t, 5000, map[string]Rate{"uk": {BaseCents: 1500, PerKgCents: 300}})
	if got := CartPreview("uk", 2500, 10000); got != "Shipping: €24.00" {
		t.Fatalf("CartPreview(uk, 2.5kg) = %q, want Shipping: €24.00", got)
	}
	if got, err := InvoiceLine("uk", 2500, 10000); got != "shipping;2400" || err != nil {
		t.Fatalf("InvoiceLine(uk, 2.5kg) = %q, %v; want shipping;2400", got, err)
	}
}

func TestHiddenStartedKilograms(t *testing.T) {
	for _, c := range []struct{ grams, want int }{{0, 990}, {1, 1240}, {1000, 1240}, {1001, 1490}, {3999, 1990}} {
		fee, _ := ShippingFee("eu", c.grams, 100000)
		inv, _ := InvoiceLine("eu", c.grams, 100000)
		if fee != c.want || inv != fmt.Sprintf("shipping;%d", c.want) {
			t.Errorf("eu %dg: fee %d, invoice %q; want %d", c.grams, fee, inv, c.want)
		}
	}
}

func TestHiddenUnknownZone(t *testing.T) {
	if _, err := InvoiceLine("mars", 1, 1); !errors.Is(err, ErrUnknownZone) {
		t.Fatalf("InvoiceLine(mars) error = %v, want ErrUnknownZone", err)
	}
	if got := CartPreview("mars", 1, 1); got != "Shipping: not available to mars" {
		t.Fatalf("CartPreview(mars) = %q", got)
	}
	if _, err := ShippingFee("eu ", 1, 1); !errors.Is(err, ErrUnknownZone) {
		t.Fatalf("ShippingFee(\"eu \") error = %v, want ErrUnknownZone", err)
	}
}
