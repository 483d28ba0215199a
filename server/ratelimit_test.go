package server

import (
	"fmt"
	"testing"
	"time"
)

func TestLimiterWindow(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(RateLimit{Limit: 3, Window: time.Hour}, func() time.Time { return now })
	for i := 0; i < 3; i++ {
		d := l.take("a")
		if !d.allowed || d.remaining != 2-i {
			t.Fatalf("take %d: %+v", i, d)
		}
	}
	if d := l.take("a"); d.allowed {
		t.Fatalf("4th request allowed: %+v", d)
	}
	if d := l.take("b"); !d.allowed {
		t.Fatalf("other key limited: %+v", d)
	}
	now = now.Add(time.Hour)
	if d := l.take("a"); !d.allowed || d.remaining != 2 {
		t.Fatalf("new window: %+v", d)
	}
}

func TestLimiterSweepBoundsMemory(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newLimiter(RateLimit{Limit: 1, Window: time.Minute}, func() time.Time { return now })
	for i := 0; i < 5000; i++ {
		now = now.Add(time.Second)
		l.take(fmt.Sprint("ip", i))
	}
	if n := len(l.buckets); n > 2100 {
		t.Fatalf("buckets not swept: %d", n)
	}
}
