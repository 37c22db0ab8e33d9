package exercise

import (
	"context"
	"errors"
)

// ErrNoReplicas is returned when First is called without replicas.
var ErrNoReplicas = errors.New("no replicas")

// Replica answers a query. It may be slow, it may fail, and it may or may not watch ctx.
type Replica func(ctx context.Context, q string) (string, error)

// First sends q to every replica concurrently and returns the first successful answer.
//
// TODO: this version leaks the goroutines of the replicas that lose the race, and it does not
// skip failed replicas. See the task.
func First(ctx context.Context, q string, replicas ...Replica) (string, error) {
	ch := make(chan string)
	for _, r := range replicas {
		go func() {
			res, _ := r(ctx, q)
			ch <- res
		}()
	}
	select {
	case res := <-ch:
		return res, nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}
