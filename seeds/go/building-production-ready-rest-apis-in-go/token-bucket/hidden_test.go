package exercise

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestHiddenIdleDoesNotOverfill(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	l := NewLimiter(10, 5, clk.Now)
	clk.Advance(time.Hour)
	allowed := 0
	for range 100 {
		if l.Allow() {
			allowed++
		}
	}
	if allowed != 5 {
		t.Fatalf("after an idle hour %d requests passed at once, want the burst of 5", allowed)
	}
}

func TestHiddenFractionsCarryOver(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	l := NewLimiter(1, 1, clk.Now)
	l.Allow() // empty the bucket
	allowed := 0
	for range 8 { // 8 polls, 500ms apart: 4 seconds, so 4 tokens accrue
		clk.Advance(500 * time.Millisecond)
		if l.Allow() {
			allowed++
		}
	}
	if allowed != 4 {
		t.Fatalf("allowed %d requests in 4s at 1 token/s polled every 500ms, want 4", allowed)
	}
}

func TestHiddenConcurrentSpendsEachTokenOnce(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	l := NewLimiter(1, 20, clk.Now)
	var allowed atomic.Int32
	var wg sync.WaitGroup
	for range 50 {
		wg.Go(func() {
			if l.Allow() {
				allowed.Add(1)
			}
		})
	}
	wg.Wait()
	if n := allowed.Load(); n != 20 {
		t.Fatalf("%d of 50 concurrent requests allowed with a frozen clock, want exactly 20", n)
	}
}

func TestHiddenMiddlewareRetryAfter(t *testing.T) {
	clk := &fakeClock{t: time.Unix(0, 0)}
	calls := 0
	h := RateLimit(NewLimiter(1, 1, clk.Now), http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { calls++ }))
	for range 3 {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if calls != 1 || rec.Code != http.StatusTooManyRequests || rec.Result().Header.Get("Retry-After") != "1" {
		t.Fatalf("next called %d times, last status %d Retry-After %q; want 1, 429, \"1\"", calls, rec.Code, rec.Result().Header.Get("Retry-After"))
	}
}
