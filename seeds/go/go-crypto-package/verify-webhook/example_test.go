package exercise

import "testing"

// RFC 4231, test case 2.
const (
	rfcKey  = "Jefe"
	rfcData = "what do ya want for nothing?"
	rfcMAC  = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
)

func TestSignRFC4231(t *testing.T) {
	if got := Sign([]byte(rfcKey), []byte(rfcData)); got != "sha256="+rfcMAC {
		t.Fatalf("Sign = %q, want %q", got, "sha256="+rfcMAC)
	}
}

func TestVerifyOwnSignature(t *testing.T) {
	secret, body := []byte("s3cret"), []byte(`{"id":1}`)
	if !Verify(secret, body, Sign(secret, body)) {
		t.Fatal("Verify rejected a signature made by Sign")
	}
}
