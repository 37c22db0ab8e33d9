package exercise

import (
	"net/http"
	"sync"
	"time"
)

// Limiter is a token bucket.
type Limiter struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	now    func() time.Time
}

// NewLimiter returns a full bucket of burst tokens refilled at rate tokens per second.
func NewLimiter(rate float64, burst int, now func() time.Time) *Limiter {
	return &Limiter{rate: rate, burst: float64(burst), tokens: float64(burst), last: now(), now: now}
}

// Allow takes a token if one is available.
func (l *Limiter) Allow() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	whole := float64(int(now.Sub(l.last).Seconds() * l.rate)) // fractions are thrown away...
	l.tokens = min(l.burst, l.tokens+whole)
	l.last = now // ...and the time they accrued in is forgotten
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

// RateLimit answers 429 when l has no token.
func RateLimit(l *Limiter, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !l.Allow() {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "rate limit exceeded", http.StatusTooManyRequests)
			return
		}
		next.ServeHTTP(w, r)
	})
}
