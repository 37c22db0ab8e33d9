package exercise

import "errors"

// ErrNotStructPointer is returned when ApplyDefaults gets anything but a non-nil *struct.
var ErrNotStructPointer = errors.New("want a non-nil pointer to a struct")

// ApplyDefaults sets zero-valued exported fields of *ptr from their `default:"..."` tags.
func ApplyDefaults(ptr any) error {
	// TODO: use reflect.ValueOf(ptr), check it, then walk the struct's fields.
	return nil
}
