package exercise

import (
	"context"
)

// Call runs op and returns its result, or ctx.Err() as soon as ctx is done.
func Call[T any](ctx context.Context, op func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, err // already dead: do not start the work
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result) // unbuffered: after a timeout the sender blocks forever
	go func() {
		v, err := op()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}
