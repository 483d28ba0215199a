package server

import (
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// RateLimit is a fixed-window limit: Limit requests per Window for one key.
type RateLimit struct {
	Limit  int
	Window time.Duration
}

// limiter counts requests per key in fixed windows. Memory is bounded: keys whose window has
// ended are swept when the table grows.
type limiter struct {
	cfg     RateLimit
	now     func() time.Time
	mu      sync.Mutex
	buckets map[string]*bucket
	sweepAt int
}

type bucket struct {
	start time.Time
	count int
}

// decision is the outcome of one take.
type decision struct {
	allowed   bool
	limit     int
	remaining int
	reset     time.Time
}

func newLimiter(cfg RateLimit, now func() time.Time) *limiter {
	if now == nil {
		now = time.Now
	}
	return &limiter{cfg: cfg, now: now, buckets: map[string]*bucket{}, sweepAt: 1024}
}

func (l *limiter) take(key string) decision {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[key]
	if b == nil || now.Sub(b.start) >= l.cfg.Window {
		if b == nil {
			l.maybeSweep(now)
			b = &bucket{}
			l.buckets[key] = b
		}
		b.start, b.count = now, 0
	}
	d := decision{limit: l.cfg.Limit, reset: b.start.Add(l.cfg.Window)}
	if b.count >= l.cfg.Limit {
		return d
	}
	b.count++
	d.allowed, d.remaining = true, l.cfg.Limit-b.count
	return d
}

// maybeSweep drops expired buckets once the table doubles, keeping the cost amortised O(1).
func (l *limiter) maybeSweep(now time.Time) {
	if len(l.buckets) < l.sweepAt {
		return
	}
	for k, b := range l.buckets {
		if now.Sub(b.start) >= l.cfg.Window {
			delete(l.buckets, k)
		}
	}
	l.sweepAt = max(1024, 2*len(l.buckets))
}

// apply sets the X-RateLimit headers and, when the request is over the limit, answers 429.
func (d decision) apply(c *gin.Context, now time.Time) *APIError {
	h := c.Writer.Header()
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.remaining))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(d.reset.Unix(), 10))
	if d.allowed {
		return nil
	}
	retry := int(d.reset.Sub(now).Seconds() + 0.999)
	h.Set("Retry-After", strconv.Itoa(max(retry, 1)))
	return newAPIError(429, CodeRateLimited, "rate limit exceeded; retry after the time in Retry-After",
		map[string]any{"limit": d.limit, "retryAfter": max(retry, 1)})
}
