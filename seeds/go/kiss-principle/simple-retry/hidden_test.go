package exercise

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestHiddenNoSleepAfterLastAttempt(t *testing.T) {
	var slept []time.Duration
	Retry(4, time.Second, func(d time.Duration) { slept = append(slept, d) }, func() error { return errors.New("x") })
	want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second}
	if fmt.Sprint(slept) != fmt.Sprint(want) {
		t.Fatalf("slept %v, want %v (no sleep after the 4th and last attempt)", slept, want)
	}
}

func TestHiddenLastErrorWrapped(t *testing.T) {
	errA, errB := errors.New("timeout"), errors.New("connection refused")
	calls := 0
	err := Retry(3, 0, func(time.Duration) {}, func() error {
		calls++
		if calls < 3 {
			return errA
		}
		return errB
	})
	if !errors.Is(err, errB) || errors.Is(err, errA) {
		t.Fatalf("Retry = %v, want it to wrap the last error (connection refused) only", err)
	}
}

func TestHiddenAttemptsBelowOne(t *testing.T) {
	for _, n := range []int{0, -3} {
		calls, sleeps := 0, 0
		err := Retry(n, time.Second, func(time.Duration) { sleeps++ }, func() error { calls++; return errors.New("no") })
		if calls != 1 || sleeps != 0 || err == nil || err.Error() != "after 1 attempts: no" {
			t.Fatalf("Retry(%d): %d calls, %d sleeps, err %v; want 1 call, no sleep, \"after 1 attempts: no\"", n, calls, sleeps, err)
		}
	}
}

func TestHiddenImmediateSuccess(t *testing.T) {
	sleeps := 0
	if err := Retry(3, time.Second, func(time.Duration) { sleeps++ }, func() error { return nil }); err != nil || sleeps != 0 {
		t.Fatalf("Retry = %v with %d sleeps, want nil and no sleep", err, sleeps)
	}
}
