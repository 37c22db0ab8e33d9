package exercise

import "errors"

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

// LoadProfile validates id and loads the user, wrapping store errors with context.
func LoadProfile(s Store, id string) (User, error) {
	// TODO
	return User{}, nil
}

// HTTPStatus maps an error to an HTTP status code.
func HTTPStatus(err error) int {
	// TODO
	return 200
}

// ValidateSignup reports every problem with the input, or nil.
func ValidateSignup(email, password string) error {
	// TODO
	return nil
}
