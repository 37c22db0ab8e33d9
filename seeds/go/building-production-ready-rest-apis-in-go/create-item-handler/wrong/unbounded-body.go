package exercise

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
)

// Item is the resource.
type Item struct {
	ID         int    `json:"id"`
	Name       string `json:"name"`
	PriceCents int    `json:"price_cents"`
}

// Store keeps items in memory.
type Store struct {
	mu    sync.Mutex
	items []Item
}

// Add stores it with the next id and returns the stored item.
func (s *Store) Add(it Item) Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	it.ID = len(s.items) + 1
	s.items = append(s.items, it)
	return it
}

const maxBody = 1 << 20

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json") // headers first
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// CreateItem handles POST /items.
func CreateItem(store *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			writeError(w, http.StatusMethodNotAllowed, "method not allowed")
			return
		}
		dec := json.NewDecoder(r.Body) // no limit: a client decides how much we buffer
		dec.DisallowUnknownFields()
		var in struct {
			Name       string `json:"name"`
			PriceCents int    `json:"price_cents"`
		}
		if err := dec.Decode(&in); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				writeError(w, http.StatusRequestEntityTooLarge, "body too large")
				return
			}
			writeError(w, http.StatusBadRequest, "invalid JSON: "+err.Error())
			return
		}
		if in.Name == "" || in.PriceCents < 0 {
			writeError(w, http.StatusBadRequest, "name is required and price_cents must be >= 0")
			return
		}
		it := store.Add(Item{Name: in.Name, PriceCents: in.PriceCents})
		w.Header().Set("Location", fmt.Sprintf("/items/%d", it.ID))
		writeJSON(w, http.StatusCreated, it)
	})
}
