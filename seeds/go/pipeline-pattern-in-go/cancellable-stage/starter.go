package exercise

import "context"

// Stage sends f(v) for every v from in on the returned channel until in closes or ctx is done.
func Stage[T, U any](ctx context.Context, in <-chan T, f func(T) U) <-chan U {
	out := make(chan U)
	go func() {
		// TODO: stop on cancellation too, and close out on the way out.
		for v := range in {
			out <- f(v)
		}
	}()
	return out
}
