package exercise

import (
	"errors"
	"fmt"
	"testing"
)

type failingStore struct{ err error }

func (f failingStore) User(string) (User, error) { return User{}, f.err }

func TestHiddenStatusThroughLayers(t *testing.T) {
	_, notFound := LoadProfile(mapStore{}, "1")
	_, invalid := LoadProfile(mapStore{}, "")
	_, broken := LoadProfile(failingStore{errors.New("disk on fire")}, "1")
	cases := []struct {
		name string
		err  error
		want int
	}{
		{"nil", nil, 200},
		{"not found from the service", notFound, 404},
		{"not found wrapped once more", fmt.Errorf("handler: %w", notFound), 404},
		{"validation from the service", invalid, 400},
		{"validation wrapped", fmt.Errorf("handler: %w", invalid), 400},
		{"joined validation", ValidateSignup("x", "y"), 400},
		{"other", broken, 500},
	}
	for _, c := range cases {
		if got := HTTPStatus(c.err); got != c.want {
			t.Errorf("%s: HTTPStatus(%v) = %d, want %d", c.name, c.err, got, c.want)
		}
	}
}

func TestHiddenEmptyIDIsValidationError(t *testing.T) {
	_, err := LoadProfile(mapStore{}, "")
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Field != "id" {
		t.Fatalf("LoadProfile(\"\") = %v, want a *ValidationError for field id", err)
	}
}

func TestHiddenStoreErrorKeptAsIs(t *testing.T) {
	custom := &ValidationError{Field: "store", Problem: "odd"}
	_, err := LoadProfile(failingStore{custom}, "9")
	var ve *ValidationError
	if !errors.As(err, &ve) || ve != custom {
		t.Fatalf("errors.As did not find the store's own error in %v", err)
	}
}

func TestHiddenValidateSignupAllProblems(t *testing.T) {
	if err := ValidateSignup("ana@example.com", "long enough"); err != nil {
		t.Fatalf("valid input: err = %v, want nil", err)
	}
	err := ValidateSignup("nope", "short")
	parts := []error{err}
	if multi, ok := err.(interface{ Unwrap() []error }); ok {
		parts = multi.Unwrap()
	}
	fields := map[string]bool{}
	for _, e := range parts {
		var ve *ValidationError
		if errors.As(e, &ve) {
			fields[ve.Field] = true
		}
	}
	if !fields["email"] || !fields["password"] {
		t.Fatalf("ValidateSignup(bad, bad) = %v, want problems for both email and password", err)
	}
}
