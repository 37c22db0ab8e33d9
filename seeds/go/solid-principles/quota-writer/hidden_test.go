package exercise

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

type failAfter struct {
	ok  int
	buf bytes.Buffer
}

var errDisk = errors.New("disk full")

func (f *failAfter) Write(p []byte) (int, error) {
	if len(p) <= f.ok {
		f.ok -= len(p)
		return f.buf.Write(p)
	}
	n, _ := f.buf.Write(p[:f.ok])
	f.ok = 0
	return n, errDisk
}

func TestHiddenIoCopyReportsQuota(t *testing.T) {
	var buf bytes.Buffer
	q := &QuotaWriter{W: &buf, Remaining: 10}
	n, err := io.Copy(q, strings.NewReader(strings.Repeat("x", 25)))
	if !errors.Is(err, ErrQuotaExceeded) {
		t.Fatalf("io.Copy error = %v, want ErrQuotaExceeded (not a vague short write, not nil)", err)
	}
	if n != 10 || buf.Len() != 10 {
		t.Fatalf("io.Copy copied %d, buffer holds %d; want 10 and 10", n, buf.Len())
	}
}

func TestHiddenFprintfSeesError(t *testing.T) {
	var buf bytes.Buffer
	q := &QuotaWriter{W: &buf, Remaining: 4}
	if _, err := fmt.Fprintf(q, "%s", "abcdef"); !errors.Is(err, ErrQuotaExceeded) {
		t.Fatalf("Fprintf error = %v, want ErrQuotaExceeded", err)
	}
	if _, err := q.Write([]byte("z")); !errors.Is(err, ErrQuotaExceeded) {
		t.Fatalf("Write after the quota is used up = %v, want ErrQuotaExceeded", err)
	}
	if n, err := q.Write(nil); n != 0 || err != nil {
		t.Fatalf("empty Write = %d, %v; want 0, nil", n, err)
	}
}

func TestHiddenUnderlyingErrorAndCount(t *testing.T) {
	w := &failAfter{ok: 3}
	q := &QuotaWriter{W: w, Remaining: 100}
	n, err := q.Write([]byte("hello"))
	if n != 3 || !errors.Is(err, errDisk) {
		t.Fatalf("Write = %d, %v; want 3 and the writer's own error", n, err)
	}
	if q.Remaining != 97 {
		t.Fatalf("Remaining = %d, want 97 (only bytes actually written count)", q.Remaining)
	}
}
