package exercise

import (
	"errors"
	"io"
)

// User is a signup form.
type User struct{ Name, Email string }

// FieldError names a missing field.
type FieldError struct{ Field string }

func (e *FieldError) Error() string { return e.Field + " is required" }

// Check returns a typed nil pointer on success: the error interface is not nil.
func Check(u User) error {
	var fe *FieldError
	switch {
	case u.Name == "":
		fe = &FieldError{Field: "Name"}
	case u.Email == "":
		fe = &FieldError{Field: "Email"}
	}
	return fe
}

// CloseAll closes every item that is an io.Closer and joins the errors.
func CloseAll(items ...any) error {
	var errs []error
	for _, it := range items {
		if c, ok := it.(io.Closer); ok {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...) // drops nil errors; nil if all are nil
}
