package exercise

import (
	"errors"
	"strings"
	"testing"
)

// mapStore is a fake Store backed by a map.
type mapStore map[string]User

func (m mapStore) User(id string) (User, error) {
	u, ok := m[id]
	if !ok {
		return User{}, ErrNotFound
	}
	return u, nil
}

func TestLoadProfileFound(t *testing.T) {
	u, err := LoadProfile(mapStore{"7": {ID: "7", Name: "Ana"}}, "7")
	if err != nil || u.Name != "Ana" {
		t.Fatalf("LoadProfile = %+v, %v; want Ana, nil", u, err)
	}
}

func TestLoadProfileMissingKeepsSentinel(t *testing.T) {
	_, err := LoadProfile(mapStore{}, "42")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("errors.Is(err, ErrNotFound) = false for err = %v", err)
	}
	if !strings.HasPrefix(err.Error(), `load profile "42": `) {
		t.Fatalf("err = %q, want it to start with the context `load profile \"42\": `", err)
	}
}
