package exercise

import "errors"

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
	// TODO
}

// FindByName returns a pointer to the element of staff named name, or nil.
func FindByName(staff []Employee, name string) *Employee {
	// TODO
	return nil
}

// SetEmail stores addr if it contains '@'.
func (e *Employee) SetEmail(addr string) error {
	// TODO
	return nil
}
