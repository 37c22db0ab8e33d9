package exercise

import (
	"bytes"
	"errors"
	"testing"
)

func TestWithinQuota(t *testing.T) {
	var buf bytes.Buffer
	q := &QuotaWriter{W: &buf, Remaining: 10}
	n, err := q.Write([]byte("hello"))
	if n != 5 || err != nil || buf.String() != "hello" || q.Remaining != 5 {
		t.Fatalf("Write = %d, %v; buf %q, Remaining %d; want 5, nil, hello, 5", n, err, buf.String(), q.Remaining)
	}
}

func TestCutShort(t *testing.T) {
	var buf bytes.Buffer
	q := &QuotaWriter{W: &buf, Remaining: 3}
	n, err := q.Write([]byte("hello"))
	if n != 3 || !errors.Is(err, ErrQuotaExceeded) || buf.String() != "hel" {
		t.Fatalf("Write = %d, %v; buf %q; want 3, ErrQuotaExceeded, hel", n, err, buf.String())
	}
}
