package exercise

import "testing"

func TestLazyReturnsValue(t *testing.T) {
	get := Lazy(func() (string, error) { return "config", nil })
	if v, err := get(); v != "config" || err != nil {
		t.Fatalf("get() = %q, %v; want config, nil", v, err)
	}
}

func TestStatsCounts(t *testing.T) {
	var s Stats
	s.Hit("/a")
	s.Hit("/a")
	s.Hit("/b")
	if s.Get("/a") != 2 || s.Get("/b") != 1 || s.Get("/c") != 0 {
		t.Fatalf("counts = %v, want /a:2 /b:1", s.Snapshot())
	}
}
