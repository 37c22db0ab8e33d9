package exercise

import (
	"errors"
	"testing"
	"time"
)

func TestSucceedsOnThirdAttempt(t *testing.T) {
	calls := 0
	var slept []time.Duration
	err := Retry(5, 100*time.Millisecond, func(d time.Duration) { slept = append(slept, d) }, func() error {
		calls++
		if calls < 3 {
			return errors.New("flaky")
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("Retry = %v after %d calls, want nil after 3", err, calls)
	}
	if len(slept) != 2 || slept[0] != 100*time.Millisecond || slept[1] != 200*time.Millisecond {
		t.Fatalf("slept %v, want [100ms 200ms]", slept)
	}
}

func TestGivesUp(t *testing.T) {
	calls := 0
	err := Retry(3, time.Millisecond, func(time.Duration) {}, func() error { calls++; return errors.New("down") })
	if err == nil || calls != 3 {
		t.Fatalf("Retry = %v after %d calls, want an error after 3 calls", err, calls)
	}
	if err.Error() != "after 3 attempts: down" {
		t.Fatalf("error text %q, want %q", err.Error(), "after 3 attempts: down")
	}
}
