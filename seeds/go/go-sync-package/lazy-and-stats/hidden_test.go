package exercise

import (
	"errors"
	"sync"
	"sync/atomic"
	"testing"
)

func TestHiddenLazyCallsLoadOnce(t *testing.T) {
	var calls atomic.Int32
	start := make(chan struct{})
	get := Lazy(func() (int, error) {
		calls.Add(1)
		return 42, nil
	})
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			<-start
			if v, err := get(); v != 42 || err != nil {
				t.Errorf("get() = %d, %v; want 42, nil", v, err)
			}
		})
	}
	close(start)
	wg.Wait()
	if n := calls.Load(); n != 1 {
		t.Fatalf("load ran %d times, want exactly 1", n)
	}
}

func TestHiddenLazyKeepsError(t *testing.T) {
	boom := errors.New("boom")
	var calls int
	get := Lazy(func() (int, error) { calls++; return 0, boom })
	for range 3 {
		if _, err := get(); !errors.Is(err, boom) {
			t.Fatalf("err = %v, want boom", err)
		}
	}
	if calls != 1 {
		t.Fatalf("load ran %d times, want 1 (the error is the result, not a reason to retry)", calls)
	}
}

func TestHiddenStatsConcurrent(t *testing.T) {
	var s Stats
	var wg sync.WaitGroup
	for g := range 20 {
		wg.Go(func() {
			for i := range 200 {
				s.Hit([]string{"a", "b", "c"}[(g+i)%3])
				_ = s.Get("a")
			}
		})
	}
	wg.Wait()
	total := s.Get("a") + s.Get("b") + s.Get("c")
	if total != 4000 {
		t.Fatalf("total hits = %d, want 4000 (updates lost)", total)
	}
}

func TestHiddenSnapshotIsACopy(t *testing.T) {
	var s Stats
	if snap := s.Snapshot(); snap == nil || len(snap) != 0 {
		t.Fatalf("Snapshot of empty Stats = %v, want an empty map", snap)
	}
	s.Hit("x")
	snap := s.Snapshot()
	snap["x"] = 100
	snap["y"] = 1
	if s.Get("x") != 1 || s.Get("y") != 0 {
		t.Fatal("changing the snapshot changed the Stats: Snapshot must return a copy")
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for range 100 {
			s.Hit("x")
		}
	})
	for k := range snap { // reading our copy while Hit runs must not race
		_ = snap[k]
	}
	wg.Wait()
}
