package exercise

import (
	"context"
	"sync"
)

func forward[T any](ctx context.Context, in <-chan T, out chan<- T) {
	for v := range in {
		out <- v // deaf to ctx: blocks for ever if the consumer stops reading
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
