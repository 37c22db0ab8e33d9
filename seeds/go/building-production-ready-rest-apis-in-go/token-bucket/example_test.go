package exercise

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manual clock for deterministic tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestBurstThenRefuse(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1000, 0)}
	l := NewLimiter(1, 3, clk.Now)
	for i := range 3 {
		if !l.Allow() {
			t.Fatalf("request %d of the initial burst of 3 was refused", i+1)
		}
	}
	if l.Allow() {
		t.Fatal("4th request allowed with an empty bucket")
	}
	clk.Advance(time.Second)
	if !l.Allow() {
		t.Fatal("refused after one second at 1 token/s")
	}
}

func TestMiddleware429(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	h := RateLimit(NewLimiter(1, 1, clk.Now), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNoContent)
	}))
	codes := []int{}
	for range 2 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		codes = append(codes, rec.Code)
	}
	if codes[0] != http.StatusNoContent || codes[1] != http.StatusTooManyRequests {
		t.Fatalf("status codes = %v, want [204 429]", codes)
	}
}
