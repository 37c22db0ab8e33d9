package exercise

import (
	"errors"
	"strings"
)

// ErrBadEmail is returned by SetEmail for an address without '@'.
var ErrBadEmail = errors.New("bad email address")

// Employee is one member of staff.
type Employee struct {
	Name   string
	Salary int
	Email  string
}

// Raise changes the loop variable, a copy of each element.
func Raise(staff []Employee, pct int) {
	for _, e := range staff {
		e.Salary += e.Salary * pct / 100
		_ = e
	}
}

// FindByName returns the address of the loop variable: a copy, not the element.
func FindByName(staff []Employee, name string) *Employee {
	for _, e := range staff {
		if e.Name == name {
			return &e
		}
	}
	return nil
}

// SetEmail stores addr if it contains '@'.
func (e *Employee) SetEmail(addr string) error {
	if !strings.Contains(addr, "@") {
		return ErrBadEmail
	}
	e.Email = addr
	return nil
}
