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
func First(ctx context.Context, q string, replicas ...Replica) (string, error) {
	if len(replicas) == 0 {
		return "", ErrNoReplicas
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel() // returning tells the losers to stop working

	type result struct {
		val string
		err error
	}
	// One slot per replica: every sender can finish even after we stop receiving.
	results := make(chan result, len(replicas))
	for _, r := range replicas {
		go func() {
			v, err := r(ctx, q)
			results <- result{v, err}
		}()
	}

	var errs []error
	for range len(replicas) {
		select {
		case res := <-results:
			if res.err == nil {
				return res.val, nil
			}
			errs = append(errs, res.err)
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return "", errors.Join(errs...)
}
