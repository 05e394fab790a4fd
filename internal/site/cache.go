package site

import (
	"sync"
	"time"
)

// maxCached bounds the cache: past it the cache starts over, so that many
// sites cannot grow it without bound. (Unknown keys are not cached.)
const maxCached = 10000

// cache keeps recently resolved sites for a short time, by API key and by id.
type cache struct {
	ttl time.Duration
	now func() time.Time

	mu  sync.Mutex
	byK map[string]cached
	byI map[int64]cached
}

type cached struct {
	site    Site
	expires time.Time
}

func newCache(ttl time.Duration, now func() time.Time) *cache {
	return &cache{ttl: ttl, now: now, byK: map[string]cached{}, byI: map[int64]cached{}}
}

func (c *cache) byKey(k string) (Site, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fresh(c.byK[k])
}

func (c *cache) byID(id int64) (Site, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.fresh(c.byI[id])
}

func (c *cache) fresh(e cached) (Site, bool) {
	if e.expires.IsZero() || !c.now().Before(e.expires) {
		return Site{}, false
	}
	return e.site, true
}

func (c *cache) put(s Site) {
	if c.ttl < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.byK) >= maxCached {
		clear(c.byK)
		clear(c.byI)
	}
	// A lookup that read the row before a rotation must not put the old
	// secret back over the new one.
	if old, ok := c.byI[s.ID]; ok && old.site.UpdatedAt.After(s.UpdatedAt) {
		return
	}
	e := cached{site: s, expires: c.now().Add(c.ttl)}
	c.byK[s.APIKey] = e
	c.byI[s.ID] = e
}
