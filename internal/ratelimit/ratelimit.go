// Package ratelimit bounds the request rate of each client of each site,
// with a token bucket per (site, client address) in this process.
package ratelimit

import (
	"math"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// maxClients bounds the buckets kept: past it, idle ones (full again) go.
const maxClients = 100000

// Limiter bounds request rates; a nil Limiter allows everything.
type Limiter struct {
	rate  rate.Limit
	burst int
	now   func() time.Time

	mu      sync.Mutex
	buckets map[key]*rate.Limiter
}

type key struct {
	site int64
	ip   string
}

// New returns a Limiter of perSecond requests with bursts of burst, or nil
// when perSecond is not positive (no limit).
func New(perSecond float64, burst int, now func() time.Time) *Limiter {
	if perSecond <= 0 {
		return nil
	}
	if burst < 1 {
		burst = 1
	}
	return &Limiter{rate: rate.Limit(perSecond), burst: burst, now: now, buckets: map[key]*rate.Limiter{}}
}

// Allow takes a request of ip to site: false, with the wait before the next
// one is allowed, when the client is over its rate.
func (l *Limiter) Allow(site int64, ip string) (bool, time.Duration) {
	if l == nil {
		return true, 0
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	k := key{site, ip}
	b, ok := l.buckets[k]
	if !ok {
		if len(l.buckets) >= maxClients {
			l.sweep(now)
		}
		b = rate.NewLimiter(l.rate, l.burst)
		l.buckets[k] = b
	}
	if b.AllowN(now, 1) {
		return true, 0
	}
	wait := time.Duration(math.Ceil((1 - b.TokensAt(now)) / float64(l.rate) * float64(time.Second)))
	return false, wait
}

// sweep drops the buckets that are full again (their clients went quiet),
// and everything if that is not enough.
func (l *Limiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		if b.TokensAt(now) >= float64(l.burst) {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) >= maxClients {
		clear(l.buckets)
	}
}
