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
	fits := p[:min(len(p), max(q.Remaining, 0))]
	n, err := q.W.Write(fits)
	q.Remaining -= n // only what W actually took
	if err != nil {
		return n, err
	}
	if n < len(p) {
		return n, ErrQuotaExceeded // a short count always comes with an error
	}
	return n, nil
}
