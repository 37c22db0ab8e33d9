package exercise

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestHiddenFastSubscriberUnaffected(t *testing.T) {
	b := NewBroker()
	b.Subscribe("t", 0) // never reads
	fast, _ := b.Subscribe("t", 100)
	for i := range 100 {
		publishWithin(t, b, "t", fmt.Sprint(i))
	}
	for i := range 100 {
		if got := <-fast; got != fmt.Sprint(i) {
			t.Fatalf("message %d = %q: a single publisher's order must be kept", i, got)
		}
	}
	if d := b.Dropped(); d != 100 {
		t.Fatalf("Dropped() = %d, want 100 (all for the unbuffered, idle subscriber)", d)
	}
}

func TestHiddenUnsubscribeClosesAndStops(t *testing.T) {
	b := NewBroker()
	ch, unsub := b.Subscribe("t", 2)
	unsub()
	unsub() // twice is fine
	if _, ok := <-ch; ok {
		t.Fatal("channel still open after unsubscribe")
	}
	publishWithin(t, b, "t", "after") // must not panic on the closed channel
	if d := b.Dropped(); d != 0 {
		t.Fatalf("Dropped() = %d after publishing to no subscriber, want 0", d)
	}
}

func TestHiddenCloseBroker(t *testing.T) {
	b := NewBroker()
	a, _ := b.Subscribe("a", 1)
	c, _ := b.Subscribe("c", 1)
	b.Close()
	b.Close()
	for _, ch := range []<-chan string{a, c} {
		select {
		case _, ok := <-ch:
			if ok {
				t.Fatal("received a message after Close")
			}
		case <-time.After(time.Second):
			t.Fatal("subscriber channel not closed by Close")
		}
	}
	publishWithin(t, b, "a", "late")
}

func TestHiddenConcurrentUse(t *testing.T) {
	b := NewBroker()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				b.Publish("t", "m")
			}
		})
	}
	for range 4 {
		wg.Go(func() {
			for range 25 {
				ch, unsub := b.Subscribe("t", 1)
				select {
				case <-ch:
				default:
				}
				unsub()
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(3 * time.Second):
		t.Fatal("publishers and subscribers deadlocked: a blocked Publish holds the broker")
	}
	b.Close()
}
