package exercise

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

const prefix = "sha256="

func mac(secret, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return m.Sum(nil)
}

// Sign returns "sha256=" + the lowercase hex HMAC-SHA256 of body under secret.
func Sign(secret, body []byte) string {
	return prefix + hex.EncodeToString(mac(secret, body))
}

// Verify compares strings with ==: it leaks timing and rejects uppercase hex.
func Verify(secret, body []byte, header string) bool {
	if !strings.HasPrefix(header, prefix) {
		return false
	}
	return header == Sign(secret, body)
}
