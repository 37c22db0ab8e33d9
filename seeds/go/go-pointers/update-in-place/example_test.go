package exercise

import "testing"

func TestRaise(t *testing.T) {
	staff := []Employee{{Name: "Ana", Salary: 1000}, {Name: "Bo", Salary: 2000}}
	Raise(staff, 10)
	if staff[0].Salary != 1100 || staff[1].Salary != 2200 {
		t.Fatalf("salaries after Raise(10%%) = %d, %d; want 1100, 2200", staff[0].Salary, staff[1].Salary)
	}
}

func TestFindByNameMissing(t *testing.T) {
	if p := FindByName([]Employee{{Name: "Ana"}}, "Zed"); p != nil {
		t.Fatalf("FindByName(missing) = %+v, want nil", p)
	}
}
