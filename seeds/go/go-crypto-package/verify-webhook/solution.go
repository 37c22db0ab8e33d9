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

// Verify reports whether header carries a valid signature of body, comparing in constant time.
func Verify(secret, body []byte, header string) bool {
	sigHex, ok := strings.CutPrefix(header, prefix)
	if !ok {
		return false
	}
	sig, err := hex.DecodeString(sigHex) // accepts either case
	if err != nil {
		return false
	}
	return hmac.Equal(sig, mac(secret, body)) // constant time; false for a different length
}
