package exercise

// User is a signup form.
type User struct{ Name, Email string }

// FieldError names a missing field.
type FieldError struct{ Field string }

func (e *FieldError) Error() string { return e.Field + " is required" }

// Check returns a *FieldError for the first empty field, or nil.
func Check(u User) error {
	var fe *FieldError
	// TODO: set fe for an empty Name or Email (and make sure a valid user really gets nil)
	return fe
}

// CloseAll closes every item that is an io.Closer and joins the errors.
func CloseAll(items ...any) error {
	// TODO
	return nil
}
