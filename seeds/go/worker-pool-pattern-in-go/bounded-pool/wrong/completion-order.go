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

// Process appends results as they complete: completion order, not job order.
func Process[J, R any](ctx context.Context, workers int, jobs []J, fn func(context.Context, J) (R, error)) []Result[R] {
	results := make([]Result[R], 0, len(jobs))
	var mu sync.Mutex
	idx := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for i := range idx {
				r := call(ctx, fn, jobs[i])
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			}
		})
	}

	for i := range jobs {
		if ctx.Err() != nil {
			close(idx)
			wg.Wait()
			for range len(jobs) - i {
				results = append(results, Result[R]{Err: ctx.Err()})
			}
			return results
		}
		select {
		case idx <- i:
		case <-ctx.Done():
			close(idx)
			wg.Wait()
			for range len(jobs) - i {
				results = append(results, Result[R]{Err: ctx.Err()})
			}
			return results
		}
	}
	close(idx)
	wg.Wait()
	return results
}
