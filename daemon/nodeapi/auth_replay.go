package nodeapi

import (
	"container/heap"
	"sync"
	"time"
)

// replayCache remembers accepted token ids until they could no longer be valid (exp +
// ClockSkew), bounded in size: when full of live ids it refuses new ones (fail closed).
type replayCache struct {
	mu       sync.Mutex
	capacity int
	seen     map[string]time.Time
	byExpiry expiryHeap
}

func newReplayCache(capacity int) *replayCache {
	return &replayCache{capacity: capacity, seen: make(map[string]time.Time)}
}

// add records jti until forgetAt; ErrTokenReplayed when it is already recorded.
func (c *replayCache) add(jti string, forgetAt, now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.byExpiry) > 0 && !c.byExpiry[0].at.After(now) {
		e := heap.Pop(&c.byExpiry).(expiryEntry)
		delete(c.seen, e.jti)
	}
	if _, ok := c.seen[jti]; ok {
		return ErrTokenReplayed
	}
	if len(c.seen) >= c.capacity {
		return ErrReplayCacheFull
	}
	c.seen[jti] = forgetAt
	heap.Push(&c.byExpiry, expiryEntry{at: forgetAt, jti: jti})
	return nil
}

// size is how many ids are remembered (tests).
func (c *replayCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seen)
}

type expiryEntry struct {
	at  time.Time
	jti string
}

// expiryHeap is a min-heap of entries by time (container/heap).
type expiryHeap []expiryEntry

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h expiryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *expiryHeap) Push(x any)        { *h = append(*h, x.(expiryEntry)) }
func (h *expiryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
