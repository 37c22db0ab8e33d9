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

// Merge closes out as soon as any forwarder finishes.
func Merge[T any](ctx context.Context, ins ...<-chan T) <-chan T {
	out := make(chan T)
	var once sync.Once
	if len(ins) == 0 {
		close(out)
	}
	for _, in := range ins {
		go func() {
			forward(ctx, in, out)
			once.Do(func() { close(out) }) // the other inputs may still have values
		}()
	}
	return out
}
