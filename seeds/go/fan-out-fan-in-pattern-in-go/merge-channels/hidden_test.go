package exercise

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"
)

func TestHiddenManyProducersNothingLost(t *testing.T) {
	var ins []<-chan int
	want := 0
	for p := range 10 {
		vals := make([]int, p*10) // producers of different lengths, one empty
		for i := range vals {
			vals[i] = p*1000 + i
		}
		want += len(vals)
		ins = append(ins, gen(vals...))
	}
	got := readAll(t, Merge(context.Background(), ins...))
	if len(got) != want {
		t.Fatalf("received %d values, want %d", len(got), want)
	}
	for i := 1; i < len(got); i++ {
		if got[i] == got[i-1] {
			t.Fatalf("value %d received twice", got[i])
		}
	}
}

func TestHiddenNoInputs(t *testing.T) {
	if got := readAll(t, Merge[int](context.Background())); len(got) != 0 {
		t.Fatalf("got %v from no inputs", got)
	}
}

func TestHiddenConsumerStopsEarly(t *testing.T) {
	base := goroutineBaseline()
	ctx, cancel := context.WithCancel(context.Background())
	const producers = 3
	var accepted [producers]atomic.Int64 // values each producer handed to Merge
	endless := func(p int) <-chan int {
		ch := make(chan int)
		go func() {
			defer close(ch)
			for i := 0; ; i++ {
				select {
				case ch <- p*1_000_000 + i:
					accepted[p].Add(1)
				case <-ctx.Done():
					return
				}
			}
		}()
		return ch
	}
	out := Merge(ctx, endless(0), endless(1), endless(2))
	var delivered [producers]int64
	for range 5 {
		delivered[<-out/1_000_000]++
	}
	// Wait until every forwarder holds a value it has not delivered: it is now sending on out.
	deadline := time.Now().Add(2 * time.Second)
	for p := range producers {
		for accepted[p].Load() <= delivered[p] && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
	}
	cancel() // stop reading: producers, forwarders and the closer must all finish
	deadline = time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > base {
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines left, want at most %d: forwarders are stuck sending", runtime.NumGoroutine(), base)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
