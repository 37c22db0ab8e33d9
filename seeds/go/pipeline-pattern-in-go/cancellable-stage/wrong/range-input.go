package exercise

import "context"

// Stage sends f(v) for every v from in on the returned channel until in closes or ctx is done.
func Stage[T, U any](ctx context.Context, in <-chan T, f func(T) U) <-chan U {
	out := make(chan U)
	go func() {
		defer close(out)
		for v := range in { // waits for in, deaf to ctx while it does
			select {
			case out <- f(v):
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
