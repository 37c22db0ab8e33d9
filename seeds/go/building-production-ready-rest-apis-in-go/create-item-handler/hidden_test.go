package exercise

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHiddenLocationAndContentType(t *testing.T) {
	h := CreateItem(&Store{})
	post(h, `{"name":"a","price_cents":1}`)
	rec := post(h, `{"name":"b","price_cents":0}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("status = %d, want 201", rec.Code)
	}
	// Result().Header is what was sent with the status line, not the live header map.
	if loc := rec.Result().Header.Get("Location"); loc != "/items/2" {
		t.Fatalf("Location = %q, want /items/2 (set headers before WriteHeader)", loc)
	}
	if ct := rec.Result().Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type = %q, want application/json", ct)
	}
}

func TestHiddenMethodNotAllowed(t *testing.T) {
	rec := httptest.NewRecorder()
	CreateItem(&Store{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/items", nil))
	if rec.Code != http.StatusMethodNotAllowed || rec.Result().Header.Get("Allow") != "POST" {
		t.Fatalf("GET: status %d, Allow %q; want 405 and Allow: POST", rec.Code, rec.Result().Header.Get("Allow"))
	}
}

func TestHiddenBadInput(t *testing.T) {
	for name, body := range map[string]string{
		"unknown field":  `{"name":"x","prize_cents":5}`,
		"empty name":     `{"name":"","price_cents":5}`,
		"negative price": `{"name":"x","price_cents":-1}`,
		"not an object":  `[1,2]`,
	} {
		rec := post(CreateItem(&Store{}), body)
		var e map[string]string
		if rec.Code != http.StatusBadRequest || json.Unmarshal(rec.Body.Bytes(), &e) != nil || e["error"] == "" {
			t.Errorf("%s: status %d body %s; want 400 with a JSON error", name, rec.Code, rec.Body)
		}
	}
}

func TestHiddenBodyLimit(t *testing.T) {
	huge := `{"name":"` + strings.Repeat("x", 2<<20) + `","price_cents":1}`
	if rec := post(CreateItem(&Store{}), huge); rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("2 MiB body: status = %d, want 413", rec.Code)
	}
}
