package exercise

import (
	"context"
	"strings"
	"testing"
)

func TestProcessUpper(t *testing.T) {
	jobs := []string{"a", "b", "c"}
	res := Process(context.Background(), 2, jobs, func(_ context.Context, s string) (string, error) {
		return strings.ToUpper(s), nil
	})
	if len(res) != 3 || res[0].Value != "A" || res[1].Value != "B" || res[2].Value != "C" {
		t.Fatalf("results = %+v, want A, B, C in job order", res)
	}
}
