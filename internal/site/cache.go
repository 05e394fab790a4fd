package site

import (
	"sync"
	"time"
)

// maxCached bounds a cache: past it the cache starts over, so that many
// entries cannot grow it without bound. (Unknown keys are not cached.)
const maxCached = 10000

// ttlCache keeps values for a short time.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration
	now func() time.Time

	mu sync.Mutex
	m  map[K]cached[V]
}

type cached[V any] struct {
	v       V
	expires time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration, now func() time.Time) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, now: now, m: map[K]cached[V]{}}
}

func (c *ttlCache[K, V]) get(k K) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[k]
	if !ok || !c.now().Before(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// put stores v unless keep says the value cached now must stay.
func (c *ttlCache[K, V]) put(k K, v V, keep ...func(old V) bool) {
	if c.ttl < 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[k]; ok && len(keep) > 0 && keep[0](old.v) {
		return
	}
	if len(c.m) >= maxCached {
		clear(c.m)
	}
	c.m[k] = cached[V]{v: v, expires: c.now().Add(c.ttl)}
}

func (c *ttlCache[K, V]) forget(k K) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, k)
}

// cache keeps resolved sites by API key and by id.
type cache struct {
	byK *ttlCache[string, Site]
	byI *ttlCache[int64, Site]
}

func newCache(ttl time.Duration, now func() time.Time) *cache {
	return &cache{byK: newTTLCache[string, Site](ttl, now), byI: newTTLCache[int64, Site](ttl, now)}
}

func (c *cache) byKey(k string) (Site, bool) { return c.byK.get(k) }
func (c *cache) byID(id int64) (Site, bool)  { return c.byI.get(id) }

// put caches s. A lookup that read the row before a rotation must not put
// the old secret back over the new one: the newer UpdatedAt wins.
func (c *cache) put(s Site) {
	newer := func(old Site) bool { return old.UpdatedAt.After(s.UpdatedAt) }
	c.byI.put(s.ID, s, newer)
	c.byK.put(s.APIKey, s, newer)
}
