package exercise

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

func TestHiddenRFCVectorVerifies(t *testing.T) {
	if !Verify([]byte(rfcKey), []byte(rfcData), "sha256="+rfcMAC) {
		t.Fatal("Verify rejected the RFC 4231 test vector")
	}
	if !Verify([]byte(rfcKey), []byte(rfcData), "sha256="+strings.ToUpper(rfcMAC)) {
		t.Fatal("Verify rejected the same signature in uppercase hex")
	}
}

func TestHiddenRejectsForgeries(t *testing.T) {
	secret, body := []byte("s3cret"), []byte(`{"amount":100}`)
	good := Sign(secret, body)
	cases := map[string]string{
		"tampered body": Sign(secret, []byte(`{"amount":900}`)),
		"other secret":  Sign([]byte("guess"), body),
		"no prefix":     strings.TrimPrefix(good, "sha256="),
		"wrong prefix":  "sha1=" + strings.TrimPrefix(good, "sha256="),
		"truncated":     good[:len(good)-2],
		"not hex":       "sha256=" + strings.Repeat("zz", 32),
		"empty":         "",
		"prefix only":   "sha256=",
	}
	for name, header := range cases {
		if Verify(secret, body, header) {
			t.Errorf("%s: Verify accepted %q", name, header)
		}
	}
}

func TestHiddenConstantTimeCompare(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "solution.go", nil, 0)
	if err != nil {
		t.Fatalf("cannot read solution.go: %v", err)
	}
	uses := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if id, ok := sel.X.(*ast.Ident); ok {
				uses[id.Name+"."+sel.Sel.Name] = true
			}
		}
		return true
	})
	if !uses["hmac.Equal"] && !uses["subtle.ConstantTimeCompare"] {
		t.Fatal("Verify must compare MACs with hmac.Equal (or subtle.ConstantTimeCompare), not == or bytes.Equal")
	}
}
