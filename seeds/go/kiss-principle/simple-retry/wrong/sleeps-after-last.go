package exercise

import (
	"fmt"
	"time"
)

// Retry calls op up to attempts times, sleeping delay, 2·delay, ... between failures.
func Retry(attempts int, delay time.Duration, sleep func(time.Duration), op func() error) error {
	attempts = max(attempts, 1)
	var err error
	for range attempts {
		if err = op(); err == nil {
			return nil
		}
		sleep(delay) // also after the last attempt: every failure waits for nothing
		delay *= 2
	}
	return fmt.Errorf("after %d attempts: %w", attempts, err)
}
