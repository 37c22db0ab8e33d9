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
	mu     sync.Mutex
	closed bool
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
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	r.wg.Add(1) // under the same lock as the closed flag: no Add after Shutdown starts waiting
	go func() {
		defer r.wg.Done()
		task(r.ctx)
	}()
	return nil
}

// Shutdown cancels the tasks at once: no grace period at all.
func (r *Runner) Shutdown(ctx context.Context) error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()

	r.cancel()
	done := make(chan struct{})
	go func() {
		r.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		<-done
		return ctx.Err()
	}
}
