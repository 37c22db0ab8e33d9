package exercise

// Sign returns "sha256=" + the lowercase hex HMAC-SHA256 of body under secret.
func Sign(secret, body []byte) string {
	// TODO: crypto/hmac with crypto/sha256, then encoding/hex
	return ""
}

// Verify reports whether header carries a valid signature of body, comparing in constant time.
func Verify(secret, body []byte, header string) bool {
	// TODO
	return false
}
