package exercise

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func post(h http.Handler, body string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/items", strings.NewReader(body)))
	return rec
}

func TestCreateItem(t *testing.T) {
	rec := post(CreateItem(&Store{}), `{"name":"lamp","price_cents":2500}`)
	if rec.Code != http.StatusCreated {
		t.Fatalf("status = %d, want 201", rec.Code)
	}
	var got Item
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.ID != 1 || got.Name != "lamp" {
		t.Fatalf("body = %s (%v), want the stored item with id 1", rec.Body, err)
	}
}

func TestRejectsMalformedJSON(t *testing.T) {
	if rec := post(CreateItem(&Store{}), `{"name":`); rec.Code != http.StatusBadRequest {
		t.Fatalf("status = %d, want 400", rec.Code)
	}
}
