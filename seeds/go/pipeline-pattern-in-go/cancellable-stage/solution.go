package exercise

import "context"

// Stage sends f(v) for every v from in on the returned channel until in closes or ctx is done.
func Stage[T, U any](ctx context.Context, in <-chan T, f func(T) U) <-chan U {
	out := make(chan U)
	go func() {
		defer close(out) // on every exit path: downstream range loops end
		for {
			select {
			case <-ctx.Done(): // a stalled or never-closed input cannot pin us
				return
			case v, ok := <-in:
				if !ok {
					return
				}
				select {
				case out <- f(v):
				case <-ctx.Done(): // a consumer that walked away cannot pin us
					return
				}
			}
		}
	}()
	return out
}
