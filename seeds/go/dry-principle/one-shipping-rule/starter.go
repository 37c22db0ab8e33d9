package exercise

import (
	"errors"
	"fmt"
)

// ErrUnknownZone is returned for a zone without a rate.
var ErrUnknownZone = errors.New("unknown shipping zone")

// Rate is the price of shipping to a zone.
type Rate struct{ BaseCents, PerKgCents int }

// Rates and FreeShippingOverCents are the single source of the shipping rule's data.
var (
	Rates = map[string]Rate{
		"domestic": {BaseCents: 490, PerKgCents: 100},
		"eu":       {BaseCents: 990, PerKgCents: 250},
	}
	FreeShippingOverCents = 5000
)

// ShippingFee is the one place that knows the shipping rule.
func ShippingFee(zone string, grams, subtotalCents int) (int, error) {
	return 0, errors.New("TODO")
}

// CartPreview formats the fee for the cart page.
func CartPreview(zone string, grams, subtotalCents int) string {
	r, ok := Rates[zone]
	if !ok {
		return "Shipping: not available to " + zone
	}
	if zone == "domestic" && subtotalCents > 5000 {
		return "Shipping: free"
	}
	fee := r.BaseCents + (grams+999)/1000*r.PerKgCents
	return fmt.Sprintf("Shipping: €%d.%02d", fee/100, fee%100)
}

// InvoiceLine formats the fee for the invoice export.
func InvoiceLine(zone string, grams, subtotalCents int) (string, error) {
	var base, perKg int
	switch zone {
	case "domestic":
		if subtotalCents >= 5000 {
			return "shipping;0", nil
		}
		base, perKg = 490, 100
	case "eu":
		base, perKg = 990, 250
	default:
		return "", fmt.Errorf("zone %q: %w", zone, ErrUnknownZone)
	}
	return fmt.Sprintf("shipping;%d", base+grams/1000*perKg), nil
}
