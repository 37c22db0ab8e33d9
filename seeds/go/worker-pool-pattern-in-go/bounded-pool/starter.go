package exercise

import (
	"context"
	"errors"
)

// ErrPanicked wraps a panic recovered from a job.
var ErrPanicked = errors.New("job panicked")

// Result is the outcome of one job.
type Result[R any] struct {
	Value R
	Err   error
}

// Process runs fn over jobs on a fixed pool of workers and returns the results in job order.
func Process[J, R any](ctx context.Context, workers int, jobs []J, fn func(context.Context, J) (R, error)) []Result[R] {
	// TODO: start workers goroutines that take job indexes from a channel.
	results := make([]Result[R], len(jobs))
	return results
}
