package exercise

import (
	"errors"
	"testing"
)

type serverConfig struct {
	Host    string `default:"localhost"`
	Port    int    `default:"8080"`
	Debug   bool   `default:"true"`
	Comment string
}

func TestApplyDefaultsBasic(t *testing.T) {
	var c serverConfig
	if err := ApplyDefaults(&c); err != nil {
		t.Fatalf("ApplyDefaults: %v", err)
	}
	if c.Host != "localhost" || c.Port != 8080 || !c.Debug || c.Comment != "" {
		t.Fatalf("got %+v, want Host=localhost Port=8080 Debug=true Comment=\"\"", c)
	}
}

func TestApplyDefaultsNeedsPointer(t *testing.T) {
	if err := ApplyDefaults(serverConfig{}); !errors.Is(err, ErrNotStructPointer) {
		t.Fatalf("ApplyDefaults(struct value) = %v, want ErrNotStructPointer", err)
	}
}
