package exercise

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

// serve runs h behind WithAccessLog and returns the recorder and the log line.
func serve(h http.HandlerFunc) (*httptest.ResponseRecorder, string) {
	var line string
	logged := WithAccessLog(h, func(method, path string, status, bytes int) {
		line = fmt.Sprintf("%s %s %d %d", method, path, status, bytes)
	})
	rec := httptest.NewRecorder()
	logged.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/items/7", nil))
	return rec, line
}

func TestLogsNotFound(t *testing.T) {
	rec, line := serve(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no such item", http.StatusNotFound)
	})
	if rec.Code != http.StatusNotFound {
		t.Fatalf("client got status %d, want 404", rec.Code)
	}
	if line != "GET /items/7 404 13" {
		t.Fatalf("log line %q, want %q", line, "GET /items/7 404 13")
	}
}

func TestLogsImplicitOK(t *testing.T) {
	_, line := serve(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("hello"))
	})
	if line != "GET /items/7 200 5" {
		t.Fatalf("log line %q, want %q", line, "GET /items/7 200 5")
	}
}
