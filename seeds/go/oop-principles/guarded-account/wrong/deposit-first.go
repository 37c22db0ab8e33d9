package exercise

import (
	"errors"
	"fmt"
)

var (
	ErrInvalidAmount = errors.New("amount must be positive")
	ErrInsufficient  = errors.New("insufficient funds")
)

// Account is a balance in cents that never goes negative.
type Account struct {
	owner   string
	balance int
}

// NewAccount opens an account.
func NewAccount(owner string, cents int) (*Account, error) {
	if cents < 0 {
		return nil, ErrInvalidAmount
	}
	return &Account{owner: owner, balance: cents}, nil
}

// Balance returns the balance in cents.
func (a *Account) Balance() int { return a.balance }

// Withdraw takes cents out of the account.
func (a *Account) Withdraw(cents int) error {
	if cents <= 0 {
		return ErrInvalidAmount
	}
	if cents > a.balance {
		return fmt.Errorf("withdraw %d from %d: %w", cents, a.balance, ErrInsufficient)
	}
	a.balance -= cents
	return nil
}

// Deposit puts cents into the account.
func (a *Account) Deposit(cents int) error {
	if cents <= 0 { // a negative deposit would be a withdrawal without the balance check
		return ErrInvalidAmount
	}
	a.balance += cents
	return nil
}

// Transfer deposits first; if the withdrawal is refused, the deposit stays.
func Transfer(from, to *Account, cents int) error {
	if err := to.Deposit(cents); err != nil {
		return err
	}
	return from.Withdraw(cents)
}

// PaymentMethod is anything Checkout can charge.
type PaymentMethod interface {
	Charge(cents int) error
	Name() string
}

// AccountPayment lets an Account pay; Account's methods are promoted by embedding.
type AccountPayment struct{ *Account }

// Charge withdraws cents.
func (p AccountPayment) Charge(cents int) error { return p.Withdraw(cents) }

// Name is the owner.
func (p AccountPayment) Name() string { return p.owner }

// Checkout charges the first method that accepts the amount and returns its name.
func Checkout(cents int, methods ...PaymentMethod) (string, error) {
	var errs []error
	for _, m := range methods {
		err := m.Charge(cents)
		if err == nil {
			return m.Name(), nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", m.Name(), err))
	}
	return "", errors.Join(append(errs, errors.New("no payment method accepted the charge"))...)
}
