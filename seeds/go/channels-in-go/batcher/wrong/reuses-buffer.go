package exercise

// Batch groups values from in into slices of size elements on the returned channel.
func Batch[T any](in <-chan T, size int) <-chan []T {
	size = max(size, 1)
	out := make(chan []T)
	go func() {
		defer close(out)
		batch := make([]T, 0, size)
		for v := range in {
			batch = append(batch, v)
			if len(batch) == size {
				out <- batch
				batch = batch[:0] // reuses the array the receiver still holds
			}
		}
		if len(batch) > 0 {
			out <- batch
		}
	}()
	return out
}
