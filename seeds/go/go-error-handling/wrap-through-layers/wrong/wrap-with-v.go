package exercise

import (
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is returned by a Store when there is no such user.
var ErrNotFound = errors.New("not found")

// ValidationError reports one bad input field.
type ValidationError struct {
	Field   string
	Problem string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Problem }

// User is a stored user.
type User struct{ ID, Name string }

// Store loads users.
type Store interface {
	User(id string) (User, error)
}

// LoadProfile wraps with %v: the message is right but the chain is cut.
func LoadProfile(s Store, id string) (User, error) {
	if id == "" {
		return User{}, &ValidationError{Field: "id", Problem: "must not be empty"}
	}
	u, err := s.User(id)
	if err != nil {
		return User{}, fmt.Errorf("load profile %q: %v", id, err)
	}
	return u, nil
}

// HTTPStatus maps an error to an HTTP status code.
func HTTPStatus(err error) int {
	var ve *ValidationError
	switch {
	case err == nil:
		return 200
	case errors.Is(err, ErrNotFound):
		return 404
	case errors.As(err, &ve):
		return 400
	default:
		return 500
	}
}

// ValidateSignup reports every problem with the input, or nil.
func ValidateSignup(email, password string) error {
	var errs []error
	if !strings.Contains(email, "@") {
		errs = append(errs, &ValidationError{Field: "email", Problem: "must contain @"})
	}
	if len(password) < 8 {
		errs = append(errs, &ValidationError{Field: "password", Problem: "must be at least 8 bytes"})
	}
	return errors.Join(errs...) // nil when errs is empty
}
