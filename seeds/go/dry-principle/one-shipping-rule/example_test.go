package exercise

import "testing"

func TestFeeDomestic(t *testing.T) {
	// 1.2 kg is two started kilograms: 490 + 2*100.
	if fee, err := ShippingFee("domestic", 1200, 1000); fee != 690 || err != nil {
		t.Fatalf("ShippingFee = %d, %v; want 690, nil", fee, err)
	}
}

func TestCallersAgreeAtThreshold(t *testing.T) {
	if got := CartPreview("domestic", 500, 5000); got != "Shipping: free" {
		t.Fatalf("CartPreview at exactly 5000 = %q, want free", got)
	}
	if got, _ := InvoiceLine("domestic", 500, 5000); got != "shipping;0" {
		t.Fatalf("InvoiceLine at exactly 5000 = %q, want shipping;0", got)
	}
}
