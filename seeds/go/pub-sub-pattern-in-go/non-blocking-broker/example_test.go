package exercise

import (
	"testing"
	"time"
)

// publishWithin fails the test if Publish does not return within a second.
func publishWithin(t *testing.T, b *Broker, topic, msg string) {
	t.Helper()
	done := make(chan struct{})
	go func() { b.Publish(topic, msg); close(done) }()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatalf("Publish(%q) blocked for over a second", msg)
	}
}

func TestDelivery(t *testing.T) {
	b := NewBroker()
	ch, unsub := b.Subscribe("orders", 4)
	defer unsub()
	publishWithin(t, b, "orders", "o1")
	publishWithin(t, b, "other", "x")
	if got := <-ch; got != "o1" {
		t.Fatalf("got %q, want o1", got)
	}
}

func TestSlowSubscriberDoesNotBlock(t *testing.T) {
	b := NewBroker()
	b.Subscribe("t", 1) // never reads
	for range 3 {
		publishWithin(t, b, "t", "m")
	}
	if d := b.Dropped(); d != 2 {
		t.Fatalf("Dropped() = %d, want 2 (buffer 1, 3 messages)", d)
	}
}
