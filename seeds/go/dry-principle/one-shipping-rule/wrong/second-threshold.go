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
	r, ok := Rates[zone]
	if !ok {
		return 0, fmt.Errorf("zone %q: %w", zone, ErrUnknownZone)
	}
	if zone == "domestic" && subtotalCents >= FreeShippingOverCents {
		return 0, nil
	}
	kg := (grams + 999) / 1000 // every started kilogram is billed
	return r.BaseCents + kg*r.PerKgCents, nil
}

// CartPreview formats the fee for the cart page.
func CartPreview(zone string, grams, subtotalCents int) string {
	fee, err := ShippingFee(zone, grams, subtotalCents)
	switch {
	case err != nil:
		return "Shipping: not available to " + zone
	case fee == 0:
		return "Shipping: free"
	default:
		return fmt.Sprintf("Shipping: €%d.%02d", fee/100, fee%100)
	}
}

// InvoiceLine keeps its own copy of the free-shipping threshold.
func InvoiceLine(zone string, grams, subtotalCents int) (string, error) {
	if zone == "domestic" && subtotalCents >= 5000 {
		return "shipping;0", nil
	}
	fee, err := ShippingFee(zone, grams, subtotalCents)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("shipping;%d", fee), nil
}
