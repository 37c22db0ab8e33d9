package exercise

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrPanicked wraps a panic recovered from a job.
var ErrPanicked = errors.New("job panicked")

// Result is the outcome of one job.
type Result[R any] struct {
	Value R
	Err   error
}

// call runs fn, turning a panic into an error. recover works only in the panicking goroutine.
func call[J, R any](ctx context.Context, fn func(context.Context, J) (R, error), job J) (res Result[R]) {
	defer func() {
		if p := recover(); p != nil {
			res.Err = fmt.Errorf("%w: %v", ErrPanicked, p)
		}
	}()
	v, err := fn(ctx, job)
	return Result[R]{Value: v, Err: err}
}

// Process starts a goroutine per job: there is no bound at all.
func Process[J, R any](ctx context.Context, workers int, jobs []J, fn func(context.Context, J) (R, error)) []Result[R] {
	results := make([]Result[R], len(jobs))
	var wg sync.WaitGroup
	for i := range jobs {
		if ctx.Err() != nil {
			results[i].Err = ctx.Err()
			continue
		}
		wg.Go(func() { results[i] = call(ctx, fn, jobs[i]) })
	}
	wg.Wait()
	return results
}
