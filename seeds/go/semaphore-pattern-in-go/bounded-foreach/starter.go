package exercise

import (
	"context"
	"errors"
)

// Semaphore is a counting semaphore.
type Semaphore struct{ slots chan struct{} }

// NewSemaphore returns a semaphore with n slots (at least 1).
func NewSemaphore(n int) *Semaphore { return &Semaphore{slots: make(chan struct{}, max(n, 1))} }

// Acquire takes a slot, or returns ctx.Err() if ctx ends first.
func (s *Semaphore) Acquire(ctx context.Context) error {
	return nil // TODO
}

// Release gives a slot back.
func (s *Semaphore) Release() {
	// TODO
}

// ForEach calls fn for every item, at most n at a time, and joins the errors.
func ForEach[T any](ctx context.Context, n int, items []T, fn func(T) error) error {
	var errs []error
	for _, it := range items { // TODO: concurrently, bounded by a Semaphore
		errs = append(errs, fn(it))
	}
	return errors.Join(errs...)
}
