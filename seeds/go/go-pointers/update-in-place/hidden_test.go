package exercise

import (
	"errors"
	"testing"
)

func TestHiddenRaiseRoundsDown(t *testing.T) {
	staff := []Employee{{Salary: 999}, {Salary: 0}}
	Raise(staff, 5)
	if staff[0].Salary != 1048 || staff[1].Salary != 0 {
		t.Fatalf("salaries = %d, %d; want 1048, 0", staff[0].Salary, staff[1].Salary)
	}
}

func TestHiddenFindReturnsElement(t *testing.T) {
	staff := []Employee{{Name: "Ana", Salary: 1}, {Name: "Bo", Salary: 2}}
	p := FindByName(staff, "Bo")
	if p == nil {
		t.Fatal("FindByName(Bo) = nil")
	}
	p.Salary = 99
	if staff[1].Salary != 99 {
		t.Fatal("changing the employee through the returned pointer did not change the slice: it points to a copy")
	}
	if p != &staff[1] {
		t.Fatal("the pointer must point into the slice")
	}
}

func TestHiddenSetEmailThroughPointer(t *testing.T) {
	staff := []Employee{{Name: "Ana", Email: "old@x"}}
	p := FindByName(staff, "Ana")
	if p == nil {
		t.Fatal("FindByName(Ana) = nil")
	}
	if err := p.SetEmail("ana@example.com"); err != nil {
		t.Fatalf("SetEmail: %v", err)
	}
	if staff[0].Email != "ana@example.com" {
		t.Fatalf("Email = %q, want ana@example.com: the method changed a copy", staff[0].Email)
	}
}

func TestHiddenSetEmailRejects(t *testing.T) {
	e := Employee{Email: "keep@x"}
	if err := e.SetEmail("nope"); !errors.Is(err, ErrBadEmail) {
		t.Fatalf("SetEmail(nope) = %v, want ErrBadEmail", err)
	}
	if e.Email != "keep@x" {
		t.Fatalf("Email = %q, want the old address kept", e.Email)
	}
	var v Employee
	if err := v.SetEmail("v@x"); err != nil || v.Email != "v@x" {
		t.Fatalf("SetEmail on an addressable value: Email = %q, err = %v", v.Email, err)
	}
}
