package exercise

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

const prefix = "sha256="

// mac hashes secret||body: a keyed hash open to length extension, and not what the provider sends.
func mac(secret, body []byte) []byte {
	sum := sha256.Sum256(append(append([]byte{}, secret...), body...))
	return sum[:]
}

// Sign returns "sha256=" + the lowercase hex of the keyed hash.
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
