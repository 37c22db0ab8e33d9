package exercise

import (
	"sync"
	"sync/atomic"
)

// Broker fans messages out to topic subscribers.
type Broker struct {
	mu      sync.RWMutex
	subs    map[string]map[chan string]struct{}
	closed  bool
	dropped atomic.Int64
}

// NewBroker returns an empty broker.
func NewBroker() *Broker { return &Broker{subs: map[string]map[chan string]struct{}{}} }

// Dropped counts messages missed by subscribers whose buffer was full.
func (b *Broker) Dropped() int { return int(b.dropped.Load()) }

// Close closes every subscriber channel. Later calls do nothing.
func (b *Broker) Close() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	b.closed = true
	for _, set := range b.subs {
		for ch := range set {
			close(ch)
		}
	}
	b.subs = nil
}

// Subscribe returns a channel buffered for buf messages and a function that ends the subscription.
func (b *Broker) Subscribe(topic string, buf int) (<-chan string, func()) {
	ch := make(chan string, max(buf, 0))
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		close(ch)
		return ch, func() {}
	}
	if b.subs[topic] == nil {
		b.subs[topic] = map[chan string]struct{}{}
	}
	b.subs[topic][ch] = struct{}{}
	return ch, func() {
		b.mu.Lock() // removal and close in one step: no Publish can hold ch meanwhile
		defer b.mu.Unlock()
		if _, ok := b.subs[topic][ch]; ok {
			delete(b.subs[topic], ch)
			close(ch)
		}
	}
}

// Publish waits for every subscriber: one slow reader stalls the broker.
func (b *Broker) Publish(topic, msg string) {
	b.mu.RLock()
	defer b.mu.RUnlock()
	for ch := range b.subs[topic] {
		ch <- msg
	}
}
