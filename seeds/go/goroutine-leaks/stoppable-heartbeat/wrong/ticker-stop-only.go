package exercise

import "time"

// Start relies on ticker.Stop to end the loop; it does not close t.C, so the goroutine waits forever.
func Start(interval time.Duration, beat func()) (stop func()) {
	t := time.NewTicker(interval)
	go func() {
		for range t.C {
			beat()
		}
	}()
	return t.Stop
}
