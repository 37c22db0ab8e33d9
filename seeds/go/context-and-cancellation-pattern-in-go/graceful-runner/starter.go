package exercise

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by Go after Shutdown has begun.
var ErrClosed = errors.New("runner is shutting down")

// Runner runs background tasks and shuts them down gracefully.
type Runner struct {
	wg     sync.WaitGroup
	ctx    context.Context
	cancel context.CancelFunc
}

// NewRunner returns a ready runner.
func NewRunner() *Runner {
	ctx, cancel := context.WithCancel(context.Background())
	return &Runner{ctx: ctx, cancel: cancel}
}

// Go starts task, or returns ErrClosed once Shutdown has begun.
func (r *Runner) Go(task func(ctx context.Context)) error {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		task(r.ctx)
	}()
	return nil
}

// Shutdown stops accepting tasks, waits for them, and cancels them when ctx ends first.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.cancel() // TODO: this is not graceful
	r.wg.Wait()
	return nil
}
