package exercise

import (
	"errors"
	"io"
)

// ErrQuotaExceeded is returned when a write does not fit in the remaining quota.
var ErrQuotaExceeded = errors.New("write quota exceeded")

// QuotaWriter writes to W until Remaining bytes have been written.
type QuotaWriter struct {
	W         io.Writer
	Remaining int
}

// Write writes what fits in the quota.
func (q *QuotaWriter) Write(p []byte) (int, error) {
	return q.W.Write(p) // TODO: enforce the quota and keep the io.Writer contract
}
