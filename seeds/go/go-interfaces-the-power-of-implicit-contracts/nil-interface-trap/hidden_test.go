package exercise

import (
	"errors"
	"testing"
)

type closer struct {
	closed *int
	err    error
}

func (c closer) Close() error { *c.closed++; return c.err }

func TestHiddenCheckEmail(t *testing.T) {
	err := Check(User{Name: "Ana"})
	var fe *FieldError
	if !errors.As(err, &fe) || fe == nil || fe.Field != "Email" {
		t.Fatalf("Check(no email) = %v, want *FieldError for Email", err)
	}
}

func TestHiddenValidUserIsNilInterface(t *testing.T) {
	var err error = Check(User{Name: "x", Email: "y"})
	if err != nil {
		t.Fatalf("Check(valid) returned a non-nil error interface holding %#v", err)
	}
}

func TestHiddenCloseAllSkipsNonClosers(t *testing.T) {
	n := 0
	boom := errors.New("boom")
	err := CloseAll("a string", closer{&n, nil}, 42, nil, closer{&n, boom}, struct{}{})
	if n != 2 {
		t.Fatalf("closed %d closers, want 2", n)
	}
	if !errors.Is(err, boom) {
		t.Fatalf("CloseAll = %v, want an error wrapping boom", err)
	}
}

func TestHiddenCloseAllNoErrors(t *testing.T) {
	n := 0
	if err := CloseAll(closer{&n, nil}, "x"); err != nil || n != 1 {
		t.Fatalf("CloseAll = %v (closed %d), want nil and 1 close", err, n)
	}
	if err := CloseAll(); err != nil {
		t.Fatalf("CloseAll() = %v, want nil", err)
	}
}
