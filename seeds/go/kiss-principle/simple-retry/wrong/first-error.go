package exercise

import (
	"fmt"
	"time"
)

// Retry calls op up to attempts times, sleeping delay, 2·delay, ... between failures.
func Retry(attempts int, delay time.Duration, sleep func(time.Duration), op func() error) error {
	attempts = max(attempts, 1)
	var first error
	for i := 1; i <= attempts; i++ {
		err := op()
		if err == nil {
			return nil
		}
		if first == nil {
			first = err // reports the first failure, which may be long out of date
		}
		if i < attempts {
			sleep(delay)
			delay *= 2
		}
	}
	return fmt.Errorf("after %d attempts: %w", attempts, first)
}
