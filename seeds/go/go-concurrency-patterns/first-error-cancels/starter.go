package exercise

import (
	"context"
	"sync"
)

// Group runs tasks and reports the first error.
type Group struct {
	wg sync.WaitGroup
	// TODO: what else does a group need to cancel the others and remember the first error?
}

// WithContext returns a Group and a context that is cancelled by the first error.
func WithContext(ctx context.Context) (*Group, context.Context) {
	return &Group{}, ctx
}

// Go runs f in a new goroutine.
func (g *Group) Go(f func() error) {
	g.wg.Add(1)
	go func() {
		defer g.wg.Done()
		_ = f() // TODO
	}()
}

// Wait waits for every task and returns the first error.
func (g *Group) Wait() error {
	g.wg.Wait()
	return nil
}
