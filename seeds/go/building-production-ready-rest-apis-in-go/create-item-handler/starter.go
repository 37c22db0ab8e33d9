package exercise

import (
	"encoding/json"
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

// CreateItem handles POST /items.
func CreateItem(store *Store) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// TODO: method check, bounded strict decoding, validation, 201 + Location, JSON errors.
		var it Item
		json.NewDecoder(r.Body).Decode(&it)
		json.NewEncoder(w).Encode(store.Add(it))
	})
}
