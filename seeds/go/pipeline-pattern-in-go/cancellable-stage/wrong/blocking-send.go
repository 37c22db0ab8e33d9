package exercise

import "context"

// Stage sends f(v) for every v from in on the returned channel until in closes or ctx is done.
func Stage[T, U any](ctx context.Context, in <-chan T, f func(T) U) <-chan U {
	out := make(chan U)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case v, ok := <-in:
				if !ok {
					return
				}
				out <- f(v) // blocks forever once the consumer is gone
			}
		}
	}()
	return out
}
