package exercise

import "time"

// Start calls beat every interval until the returned stop function is called.
func Start(interval time.Duration, beat func()) (stop func()) {
	t := time.NewTicker(interval)
	go func() {
		for range t.C {
			beat()
		}
	}()
	return t.Stop // TODO: the goroutine above never exits
}
