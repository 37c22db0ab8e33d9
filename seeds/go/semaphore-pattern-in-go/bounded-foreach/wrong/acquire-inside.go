package exercise

import (
	"context"
	"errors"
	"sync"
)

// Semaphore is a counting semaphore.
type Semaphore struct{ slots chan struct{} }

// NewSemaphore returns a semaphore with n slots (at least 1).
func NewSemaphore(n int) *Semaphore { return &Semaphore{slots: make(chan struct{}, max(n, 1))} }

// Release gives a slot back.
func (s *Semaphore) Release() { <-s.slots }

// Acquire takes a slot, or returns ctx.Err() if ctx ends first.
func (s *Semaphore) Acquire(ctx context.Context) error {
	select {
	case s.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ForEach calls fn for every item, at most n at a time, and joins the errors.
func ForEach[T any](ctx context.Context, n int, items []T, fn func(T) error) error {
	sem := NewSemaphore(n)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	record := func(err error) {
		mu.Lock()
		errs = append(errs, err)
		mu.Unlock()
	}
	for _, it := range items {
		if ctx.Err() != nil {
			record(ctx.Err())
			break
		}
		wg.Go(func() {
			if err := sem.Acquire(ctx); err != nil { // inside: one parked goroutine per item
				record(err)
				return
			}
			defer sem.Release()
			if err := fn(it); err != nil {
				record(err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}
