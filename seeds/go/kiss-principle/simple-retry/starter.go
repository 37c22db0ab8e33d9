package exercise

import (
	"fmt"
	"time"
)

// RetryPolicy decides the delay before the next attempt.
type RetryPolicy interface {
	NextDelay(attempt int) (time.Duration, bool)
}

// RetryStrategyFactory builds policies from configuration.
type RetryStrategyFactory interface {
	New(cfg map[string]any) RetryPolicy
}

type exponential struct {
	base time.Duration
	max  int
}

func (e exponential) NextDelay(attempt int) (time.Duration, bool) {
	return e.base << (attempt - 1), attempt <= e.max
}

type exponentialFactory struct{}

func (exponentialFactory) New(cfg map[string]any) RetryPolicy {
	return exponential{base: cfg["delay"].(time.Duration), max: cfg["attempts"].(int)}
}

var registry = map[string]RetryStrategyFactory{"exponential": exponentialFactory{}}

// Hooks run after every failed attempt.
var Hooks []func(attempt int, err error)

// Retry calls op up to attempts times, sleeping delay, 2·delay, ... between failures.
// TODO: replace all of the above with one plain loop (and fix the behaviour).
func Retry(attempts int, delay time.Duration, sleep func(time.Duration), op func() error) error {
	policy := registry["exponential"].New(map[string]any{"delay": delay, "attempts": max(attempts, 1)})
	var err error
	for attempt := 1; ; attempt++ {
		if err = op(); err == nil {
			return nil
		}
		for _, h := range Hooks {
			h(attempt, err)
		}
		d, ok := policy.NextDelay(attempt)
		if !ok {
			return fmt.Errorf("after %d attempts: %w", attempt-1, err)
		}
		sleep(d)
	}
}
