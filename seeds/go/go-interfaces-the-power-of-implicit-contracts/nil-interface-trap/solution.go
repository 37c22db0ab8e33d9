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

// Check returns a *FieldError for the first empty field, or nil.
func Check(u User) error {
	switch {
	case u.Name == "":
		return &FieldError{Field: "Name"}
	case u.Email == "":
		return &FieldError{Field: "Email"}
	}
	return nil // a literal nil: a nil *FieldError would make a non-nil error
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
