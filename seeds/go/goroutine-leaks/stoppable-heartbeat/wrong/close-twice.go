package exercise

import "time"

// Start's stop closes quit on every call: the second call panics.
func Start(interval time.Duration, beat func()) (stop func()) {
	t := time.NewTicker(interval)
	quit := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				beat()
			case <-quit:
				return
			}
		}
	}()
	return func() {
		close(quit)
		<-done
	}
}
