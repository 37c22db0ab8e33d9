package exercise

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
)

// ErrNotStructPointer is returned when ApplyDefaults gets anything but a non-nil *struct.
var ErrNotStructPointer = errors.New("want a non-nil pointer to a struct")

// ApplyDefaults sets zero-valued exported fields of *ptr from their `default:"..."` tags.
func ApplyDefaults(ptr any) error {
	v := reflect.ValueOf(ptr)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return ErrNotStructPointer
	}
	s := v.Elem() // addressable, so its exported fields are settable
	t := s.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		tag, ok := f.Tag.Lookup("default")
		if !ok {
			continue
		}
		if !f.IsExported() || !s.Field(i).IsZero() {
			continue
		}
		if err := setFromTag(s.Field(i), tag); err != nil {
			return fmt.Errorf("field %s: %w", f.Name, err)
		}
	}
	return nil
}

func setFromTag(fv reflect.Value, tag string) error {
	switch fv.Kind() {
	case reflect.String:
		fv.SetString(tag)
	case reflect.Bool:
		b, err := strconv.ParseBool(tag)
		if err != nil {
			return err
		}
		fv.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(tag, 10, fv.Type().Bits())
		if err != nil {
			return err
		}
		fv.SetInt(n)
	default:
		return fmt.Errorf("unsupported kind %s", fv.Kind())
	}
	return nil
}
