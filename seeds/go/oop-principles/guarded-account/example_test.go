package exercise

import (
	"errors"
	"testing"
)

func TestWithdrawTooMuch(t *testing.T) {
	a, _ := NewAccount("ana", 1000)
	if err := a.Withdraw(1500); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("Withdraw(1500) = %v, want ErrInsufficient", err)
	}
	if a.Balance() != 1000 {
		t.Fatalf("balance = %d after a refused withdrawal, want 1000", a.Balance())
	}
}

func TestTransfer(t *testing.T) {
	a, _ := NewAccount("ana", 1000)
	b, _ := NewAccount("bo", 0)
	if err := Transfer(a, b, 400); err != nil {
		t.Fatal(err)
	}
	if a.Balance() != 600 || b.Balance() != 400 {
		t.Fatalf("balances %d/%d, want 600/400", a.Balance(), b.Balance())
	}
}

func TestTransferRefused(t *testing.T) {
	a, _ := NewAccount("ana", 100)
	b, _ := NewAccount("bo", 0)
	if err := Transfer(a, b, 500); !errors.Is(err, ErrInsufficient) {
		t.Fatalf("Transfer(500) = %v, want ErrInsufficient", err)
	}
	if a.Balance() != 100 || b.Balance() != 0 {
		t.Fatalf("balances %d/%d after a refused transfer, want 100/0", a.Balance(), b.Balance())
	}
}
