package oauth

import (
	"strconv"
	"testing"
	"time"
)

func TestTokenCache(t *testing.T) {
	now := time.Now()
	entry := func(client string, exp time.Duration) *cacheEntry {
		return &cacheEntry{principal: Principal{ClientID: client, ExpiresAt: now.Add(exp)}, loadedAt: now}
	}
	t.Run("bounded", func(t *testing.T) {
		c := newTokenCache(16, time.Minute)
		for i := range 100 {
			c.put(strconv.Itoa(i), entry("c", time.Hour), c.generation())
		}
		if n := c.len(); n > 16 {
			t.Fatalf("%d entries, bound 16", n)
		}
	})
	t.Run("expired entries go first", func(t *testing.T) {
		c := newTokenCache(4, time.Minute)
		for i := range 3 {
			c.put("old"+strconv.Itoa(i), entry("c", -time.Second), c.generation())
		}
		c.put("live", entry("c", time.Hour), c.generation())
		c.put("new", entry("c", time.Hour), c.generation())
		if e, _ := c.get("live", now); e == nil {
			t.Fatal("a live entry was evicted while expired ones remained")
		}
	})
	t.Run("a load racing an eviction is dropped", func(t *testing.T) {
		c := newTokenCache(16, time.Minute)
		gen := c.generation() // loader starts reading the database
		c.evictClient("c")    // client deleted meanwhile
		c.put("sig", entry("c", time.Hour), gen)
		if e, _ := c.get("sig", now); e != nil {
			t.Fatal("a stale load was cached after an eviction")
		}
	})
	t.Run("evict by client", func(t *testing.T) {
		c := newTokenCache(16, time.Minute)
		c.put("a", entry("c1", time.Hour), c.generation())
		c.put("b", entry("c2", time.Hour), c.generation())
		c.evictClient("c1")
		if e, _ := c.get("a", now); e != nil {
			t.Fatal("entry of the evicted client remains")
		}
		if e, _ := c.get("b", now); e == nil {
			t.Fatal("entry of another client was evicted")
		}
	})
	t.Run("revalidation", func(t *testing.T) {
		c := newTokenCache(16, time.Minute)
		c.put("a", entry("c", time.Hour), c.generation())
		if e, _ := c.get("a", now.Add(2*time.Minute)); e != nil {
			t.Fatal("an entry older than the revalidation interval was served")
		}
	})
}
