package exercise

import (
	"net/http"
	"testing"
)

func TestHiddenFlushReachesUnderlyingWriter(t *testing.T) {
	var flushErr error
	rec, _ := serve(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("chunk"))
		flushErr = http.NewResponseController(w).Flush()
	})
	if flushErr != nil {
		t.Fatalf("Flush through the wrapper failed: %v", flushErr)
	}
	if !rec.Flushed {
		t.Fatal("the underlying writer was not flushed")
	}
}

func TestHiddenFirstStatusWins(t *testing.T) {
	rec, line := serve(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		w.WriteHeader(http.StatusInternalServerError) // too late: 200 has been sent
	})
	if rec.Code != http.StatusOK || line != "GET /items/7 200 7" {
		t.Fatalf("client status %d, log %q; want 200 and %q", rec.Code, line, "GET /items/7 200 7")
	}
}

func TestHiddenCreatedForwarded(t *testing.T) {
	rec, line := serve(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	if rec.Code != http.StatusCreated || line != "GET /items/7 201 0" {
		t.Fatalf("client status %d, log %q; want 201 and %q", rec.Code, line, "GET /items/7 201 0")
	}
}

func TestHiddenNothingWritten(t *testing.T) {
	_, line := serve(func(w http.ResponseWriter, r *http.Request) {})
	if line != "GET /items/7 200 0" {
		t.Fatalf("log %q, want %q", line, "GET /items/7 200 0")
	}
}
