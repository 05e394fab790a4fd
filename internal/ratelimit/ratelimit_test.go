package ratelimit

import (
	"testing"
	"time"
)

func TestAllow(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(2, 3, func() time.Time { return now })
	for i := range 3 {
		if ok, _ := l.Allow(1, "a"); !ok {
			t.Fatalf("request %d of the burst refused", i)
		}
	}
	ok, wait := l.Allow(1, "a")
	if ok || wait <= 0 || wait > time.Second {
		t.Fatalf("over the burst: %v, wait %v", ok, wait)
	}
	if ok, _ := l.Allow(1, "b"); !ok {
		t.Fatal("another address shares the bucket")
	}
	if ok, _ := l.Allow(2, "a"); !ok {
		t.Fatal("another site shares the bucket")
	}
	now = now.Add(wait)
	if ok, _ := l.Allow(1, "a"); !ok {
		t.Fatal("refused after the wait")
	}
	var none *Limiter = New(0, 0, time.Now)
	if ok, _ := none.Allow(1, "a"); !ok || none != nil {
		t.Fatal("a zero rate limits")
	}
}

func TestSweepBoundsMemory(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := New(1000, 1, func() time.Time { return now })
	for i := range maxClients + 10 {
		l.Allow(int64(i), "a")
		now = now.Add(time.Millisecond) // earlier buckets refill: idle
	}
	if n := len(l.buckets); n > maxClients {
		t.Fatalf("%d buckets kept", n)
	}
}
