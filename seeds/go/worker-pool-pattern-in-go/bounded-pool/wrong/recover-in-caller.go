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

// Process recovers in the caller's goroutine, which cannot see a worker's panic.
func Process[J, R any](ctx context.Context, workers int, jobs []J, fn func(context.Context, J) (R, error)) (results []Result[R]) {
	defer func() {
		if p := recover(); p != nil {
			results = append(results, Result[R]{Err: fmt.Errorf("%w: %v", ErrPanicked, p)})
		}
	}()
	results = make([]Result[R], len(jobs))
	idx := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for i := range idx {
				v, err := fn(ctx, jobs[i])
				results[i] = Result[R]{Value: v, Err: err}
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
