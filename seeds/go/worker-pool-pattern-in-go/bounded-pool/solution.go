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

// Process runs fn over jobs on a fixed pool of workers and returns the results in job order.
func Process[J, R any](ctx context.Context, workers int, jobs []J, fn func(context.Context, J) (R, error)) []Result[R] {
	results := make([]Result[R], len(jobs))
	idx := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for i := range idx {
				results[i] = call(ctx, fn, jobs[i]) // one writer per slot: input order, no lock
			}
		})
	}
feed:
	for i := range jobs {
		if ctx.Err() != nil { // checked first: select picks at random among ready cases
			for j := i; j < len(jobs); j++ {
				results[j].Err = ctx.Err()
			}
			break
		}
		select {
		case idx <- i:
		case <-ctx.Done():
			for j := i; j < len(jobs); j++ { // never sent: no worker touches these slots
				results[j].Err = ctx.Err()
			}
			break feed
		}
	}
	close(idx)
	wg.Wait()
	return results
}
