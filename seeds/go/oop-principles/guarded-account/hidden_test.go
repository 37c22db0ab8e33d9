package exercise

import (
	"errors"
	"testing"
)

type card struct{ limit int }

func (c *card) Charge(cents int) error {
	if cents > c.limit {
		return errors.New("declined")
	}
	c.limit -= cents
	return nil
}
func (c *card) Name() string { return "card" }

func TestHiddenNoNegativeBackDoor(t *testing.T) {
	a, _ := NewAccount("ana", 100)
	for _, amt := range []int{-500, 0} {
		if err := a.Deposit(amt); !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("Deposit(%d) = %v, want ErrInvalidAmount", amt, err)
		}
		if err := a.Withdraw(amt); !errors.Is(err, ErrInvalidAmount) {
			t.Errorf("Withdraw(%d) = %v, want ErrInvalidAmount", amt, err)
		}
	}
	if a.Balance() != 100 {
		t.Fatalf("balance = %d, want 100: the invariant was broken", a.Balance())
	}
	if _, err := NewAccount("x", -1); !errors.Is(err, ErrInvalidAmount) {
		t.Fatalf("NewAccount(-1) = %v, want ErrInvalidAmount", err)
	}
}

func TestHiddenTransferAllOrNothing(t *testing.T) {
	a, _ := NewAccount("ana", 300)
	b, _ := NewAccount("bo", 50)
	for _, amt := range []int{301, -20, 0} {
		Transfer(a, b, amt)
		if a.Balance() != 300 || b.Balance() != 50 {
			t.Fatalf("after Transfer(%d): balances %d/%d, want 300/50", amt, a.Balance(), b.Balance())
		}
	}
	if err := Transfer(a, b, 300); err != nil || a.Balance() != 0 || b.Balance() != 350 {
		t.Fatalf("Transfer(all) = %v, balances %d/%d, want 0/350", err, a.Balance(), b.Balance())
	}
}

func TestHiddenPolymorphicCheckout(t *testing.T) {
	a, _ := NewAccount("ana", 200)
	var m PaymentMethod = AccountPayment{a}
	name, err := Checkout(500, m, &card{limit: 1000})
	if err != nil || name != "card" {
		t.Fatalf("Checkout(500) = %q, %v; want the card after the account declines", name, err)
	}
	name, err = Checkout(150, m, &card{limit: 0})
	if err != nil || name != "ana" || a.Balance() != 50 {
		t.Fatalf("Checkout(150) = %q, %v (balance %d); want ana and balance 50", name, err, a.Balance())
	}
	if _, err := Checkout(10_000, m, &card{}); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("Checkout refused everywhere = %v, want it to wrap ErrInsufficient", err)
	}
}
