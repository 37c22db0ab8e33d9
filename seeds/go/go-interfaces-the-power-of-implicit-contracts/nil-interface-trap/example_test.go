package exercise

import "testing"

func TestCheckMissingName(t *testing.T) {
	err := Check(User{Email: "a@b"})
	fe, ok := err.(*FieldError)
	if !ok || fe == nil || fe.Field != "Name" {
		t.Fatalf("Check(no name) = %v, want *FieldError for Name", err)
	}
}

func TestCheckValidUser(t *testing.T) {
	if err := Check(User{Name: "Ana", Email: "a@b"}); err != nil {
		t.Fatalf("Check(valid) = %#v, want nil", err)
	}
}
