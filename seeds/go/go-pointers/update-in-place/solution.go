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

// Raise increases every salary by pct percent (rounded down), in place.
func Raise(staff []Employee, pct int) {
	for i := range staff {
		staff[i].Salary += staff[i].Salary * pct / 100 // index: range values are copies
	}
}

// FindByName returns a pointer to the element of staff named name, or nil.
func FindByName(staff []Employee, name string) *Employee {
	for i := range staff {
		if staff[i].Name == name {
			return &staff[i]
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
