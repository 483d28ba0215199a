package oauth

import (
	"sync"
	"time"
)

// cacheEntry is a validated token: its principal, and when it was read from the database.
type cacheEntry struct {
	principal Principal
	loadedAt  time.Time
}

// tokenCache maps token signatures to principals. It is bounded (random eviction when
// full, expired entries first) and versioned: every eviction bumps gen, and a loader may
// only insert what it read under the current gen, so a load racing with a revocation
// cannot re-insert the revoked token.
type tokenCache struct {
	mu         sync.RWMutex
	m          map[string]*cacheEntry
	gen        uint64
	max        int
	revalidate time.Duration
}

func newTokenCache(size int, revalidate time.Duration) *tokenCache {
	return &tokenCache{m: make(map[string]*cacheEntry), max: size, revalidate: revalidate}
}

// get returns a fresh entry (nil if absent or due for revalidation) and the current gen.
func (c *tokenCache) get(sig string, now time.Time) (*cacheEntry, uint64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	e := c.m[sig]
	if e != nil && now.Sub(e.loadedAt) >= c.revalidate {
		e = nil
	}
	return e, c.gen
}

// generation is the current gen, to be taken before reading the database.
func (c *tokenCache) generation() uint64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen
}

// put inserts e unless the cache was invalidated since gen was read.
func (c *tokenCache) put(sig string, e *cacheEntry, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen {
		return
	}
	if _, ok := c.m[sig]; !ok && len(c.m) >= c.max {
		c.makeRoom(e.loadedAt)
	}
	c.m[sig] = e
}

// makeRoom drops expired entries, then arbitrary ones (map order) down to 7/8 of max.
func (c *tokenCache) makeRoom(now time.Time) {
	for k, v := range c.m {
		if !v.principal.ExpiresAt.After(now) {
			delete(c.m, k)
		}
	}
	for k := range c.m {
		if len(c.m) < c.max-c.max/8 {
			break
		}
		delete(c.m, k)
	}
}

// remove drops one entry without invalidating in-flight loads (used for expired tokens).
func (c *tokenCache) remove(sig string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, sig)
}

func (c *tokenCache) evictSignature(sig string) {
	c.evictIf(func(k string, _ *cacheEntry) bool { return k == sig })
}

func (c *tokenCache) evictClient(clientID string) {
	c.evictIf(func(_ string, e *cacheEntry) bool { return e.principal.ClientID == clientID })
}

func (c *tokenCache) evictIf(match func(string, *cacheEntry) bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k, v := range c.m {
		if match(k, v) {
			delete(c.m, k)
		}
	}
}

// flush drops everything.
func (c *tokenCache) flush() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.m)
}

// prune drops expired entries.
func (c *tokenCache) prune(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, v := range c.m {
		if !v.principal.ExpiresAt.After(now) {
			delete(c.m, k)
		}
	}
}

func (c *tokenCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
