package server

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"
)

// fakeClock is a settable clock for the lockout.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time       { return c.t }
func (c *fakeClock) add(d time.Duration)  { c.t = c.t.Add(d) }
func newFakeClock() *fakeClock            { return &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }
func lockoutAt(c *fakeClock) *sftpLockout { return newSFTPLockout(c.now) }
func fails(l *sftpLockout, key string, n int) {
	for range n {
		l.fail(key)
	}
}

func TestLockoutAfterFiveFailures(t *testing.T) {
	c := newFakeClock()
	l := lockoutAt(c)
	for i := range 4 {
		if got := l.fail("k"); got != 0 {
			t.Fatalf("failure %d locked for %v", i+1, got)
		}
		c.add(10 * time.Second)
	}
	// failures at 0, 10, 20, 30 s; the fifth at 40 s locks until 60 s
	if got := l.fail("k"); got != 20*time.Second {
		t.Fatalf("fifth failure: locked for %v, want 20s", got)
	}
	if got := l.locked("k"); got != 20*time.Second {
		t.Fatalf("locked = %v, want 20s", got)
	}
	if got := l.locked("other"); got != 0 {
		t.Fatalf("another pair locked for %v", got)
	}
	c.add(19 * time.Second)
	if got := l.locked("k"); got != time.Second {
		t.Fatalf("a second before the end: locked = %v", got)
	}
	c.add(time.Second)
	if got := l.locked("k"); got != 0 {
		t.Fatalf("after the minute: locked = %v", got)
	}
}

// TestLockoutSlidingWindow: failures older than a minute do not count.
func TestLockoutSlidingWindow(t *testing.T) {
	c := newFakeClock()
	l := lockoutAt(c)
	fails(l, "k", 4)
	c.add(time.Minute)
	if got := l.fail("k"); got != 0 {
		t.Fatalf("one failure in the window locked for %v", got)
	}
	fails(l, "k", 3)
	if got := l.fail("k"); got != time.Minute {
		t.Fatalf("five in the window: locked for %v, want 1m", got)
	}
}

// TestLockoutMemoryBounded: the table never holds more than maxEntries pairs; expired pairs
// go first, then the least recently failing.
func TestLockoutMemoryBounded(t *testing.T) {
	c := newFakeClock()
	l := lockoutAt(c)
	l.maxEntries = 100
	fails(l, "victim", 5)
	for i := range 1000 {
		l.fail("k" + strconv.Itoa(i))
		if n := l.size(); n > l.maxEntries {
			t.Fatalf("after %d pairs the table holds %d", i+1, n)
		}
	}
	if l.locked("victim") != 0 {
		t.Fatal("the least recently failing pair was kept over newer ones")
	}
	if l.size() != 100 {
		t.Fatalf("size = %d", l.size())
	}
	c.add(time.Minute)
	l.fail("late")
	if n := l.size(); n != 1 {
		t.Fatalf("expired pairs kept: size %d, want 1", n)
	}
}

// TestLockoutTurns: one attempt per pair at a time, other pairs not held up, a waiter gives
// up with its context, and no turn is remembered once none is held or awaited.
func TestLockoutTurns(t *testing.T) {
	l := lockoutAt(newFakeClock())
	release, err := l.acquire(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	other, err := l.acquire(t.Context(), "other")
	if err != nil {
		t.Fatalf("another pair waited: %v", err)
	}
	other()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	if _, err := l.acquire(ctx, "k"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second attempt while the first is decided: %v", err)
	}
	release()
	again, err := l.acquire(t.Context(), "k")
	if err != nil {
		t.Fatal(err)
	}
	again()
	if n := len(l.busy); n != 0 {
		t.Fatalf("%d turns remembered after every attempt ended", n)
	}
}
