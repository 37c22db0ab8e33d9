package exercise

import (
	"errors"
	"strings"
	"testing"
	"time"
)

type Level string

type clientConfig struct {
	Timeout  time.Duration `default:"1m30s"`
	Retries  int8          `default:"3"`
	Level    Level         `default:"info"`
	Name     string        `default:"anon"`
	internal string        `default:"secret"`
}

func TestHiddenDurationAndNamedTypes(t *testing.T) {
	var c clientConfig
	if err := ApplyDefaults(&c); err != nil {
		t.Fatalf("ApplyDefaults: %v", err)
	}
	if c.Timeout != 90*time.Second || c.Retries != 3 || c.Level != "info" {
		t.Fatalf("got %+v, want Timeout=1m30s Retries=3 Level=info", c)
	}
	if c.internal != "" {
		t.Fatalf("unexported field was set to %q; it must be left alone", c.internal)
	}
}

func TestHiddenKeepsValuesAlreadySet(t *testing.T) {
	c := clientConfig{Timeout: time.Second, Name: "svc"}
	if err := ApplyDefaults(&c); err != nil {
		t.Fatalf("ApplyDefaults: %v", err)
	}
	if c.Timeout != time.Second || c.Name != "svc" || c.Retries != 3 {
		t.Fatalf("got %+v: set fields must be kept, zero ones filled", c)
	}
}

func TestHiddenBadTagNamesField(t *testing.T) {
	var c struct {
		Workers int `default:"many"`
	}
	err := ApplyDefaults(&c)
	if err == nil || !strings.Contains(err.Error(), "Workers") {
		t.Fatalf("ApplyDefaults = %v, want an error naming field Workers", err)
	}
}

func TestHiddenRejectsNonStructPointers(t *testing.T) {
	n := 3
	var nilCfg *clientConfig
	for _, v := range []any{nil, &n, nilCfg, "x"} {
		if err := ApplyDefaults(v); !errors.Is(err, ErrNotStructPointer) {
			t.Errorf("ApplyDefaults(%T) = %v, want ErrNotStructPointer", v, err)
		}
	}
}
