package exercise

import (
	"context"
	"sync"
)

func forward[T any](ctx context.Context, in <-chan T, out chan<- T) {
	for {
		select {
		case <-ctx.Done():
			return
		case v, ok := <-in:
			if !ok {
				return
			}
			select {
			case out <- v:
			case <-ctx.Done(): // the consumer may have gone: do not wait for it
				return
			}
		}
	}
}

// Merge forwards every value from ins to one output channel, closed when all inputs are done.
func Merge[T any](ctx context.Context, ins ...<-chan T) <-chan T {
	out := make(chan T)
	var wg sync.WaitGroup
	for _, in := range ins {
		wg.Go(func() { forward(ctx, in, out) })
	}
	go func() {
		wg.Wait() // only after the last forwarder is it safe to close
		close(out)
	}()
	return out
}
