package exercise

import (
	"sync"
	"time"
)

// Start calls beat every interval until the returned stop function is called.
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
			case <-quit: // Stop does not close t.C: the goroutine needs its own exit signal
				return
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() { close(quit) }) // closing twice would panic
		<-done                          // no beat runs after stop returns
	}
}
