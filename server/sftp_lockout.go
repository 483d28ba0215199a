package server

import (
	"container/list"
	"context"
	"sync"
	"time"
)

// SFTP login lockout: five refused passwords for one (panel username, client address) within a
// sliding minute lock that pair out until the oldest of those five is a minute old. Attempts
// during a lock are refused without being decided (and are not counted), so a right password
// does not lift a lock in force. Attempts for one pair are decided one at a time (acquire), so
// that many sent at once cannot all pass the check before the first refusal is counted. The
// state is in memory, per panel process.
const (
	sftpLockFailures   = 5
	sftpLockWindow     = time.Minute
	sftpLockMaxEntries = 10000 // (username, address) pairs remembered; the oldest go first
)

// sftpLockout counts refused SFTP logins. Memory is bounded: at most maxEntries pairs of at
// most `failures` timestamps each, kept in a list ordered by their last failure so that
// expired and (when full) the least recently failing pairs are evicted from its front.
type sftpLockout struct {
	mu         sync.Mutex
	now        func() time.Time
	failures   int
	window     time.Duration
	maxEntries int
	byKey      map[string]*list.Element // of *lockEntry
	order      list.List                // *lockEntry, oldest last failure first
	busy       map[string]*pairTurn     // pairs with an attempt being decided or waiting
}

// pairTurn is the turn of one pair's attempts: a one-slot semaphore and how many hold it or
// wait for it (the entry goes when none do, so busy stays as small as the attempts in flight).
type pairTurn struct {
	slot    chan struct{}
	holders int
}

// lockEntry is one pair's recent refusals.
type lockEntry struct {
	key   string
	times []time.Time // the last `failures` refusals, oldest first
}

// newSFTPLockout is an empty lockout on the clock now (nil: time.Now).
func newSFTPLockout(now func() time.Time) *sftpLockout {
	if now == nil {
		now = time.Now
	}
	return &sftpLockout{now: now, failures: sftpLockFailures, window: sftpLockWindow,
		maxEntries: sftpLockMaxEntries, byKey: map[string]*list.Element{}, busy: map[string]*pairTurn{}}
}

// acquire waits (within ctx) until no other attempt for the pair is being decided; release
// ends this attempt's turn and must be called once.
func (l *sftpLockout) acquire(ctx context.Context, key string) (release func(), err error) {
	l.mu.Lock()
	t := l.busy[key]
	if t == nil {
		t = &pairTurn{slot: make(chan struct{}, 1)}
		l.busy[key] = t
	}
	t.holders++
	l.mu.Unlock()
	leave := func() {
		l.mu.Lock()
		if t.holders--; t.holders == 0 {
			delete(l.busy, key)
		}
		l.mu.Unlock()
	}
	select {
	case t.slot <- struct{}{}:
		return func() { <-t.slot; leave() }, nil
	case <-ctx.Done():
		leave()
		return nil, ctx.Err()
	}
}

// locked reports how long the pair stays locked (0: not locked).
func (l *sftpLockout) locked(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	el, ok := l.byKey[key]
	if !ok {
		return 0
	}
	return l.remaining(el.Value.(*lockEntry), l.now())
}

// remaining is the lock left on e at now: the window after the oldest of the last `failures`
// refusals, when there are that many.
func (l *sftpLockout) remaining(e *lockEntry, now time.Time) time.Duration {
	if len(e.times) < l.failures {
		return 0
	}
	return max(e.times[0].Add(l.window).Sub(now), 0)
}

// fail records a refusal for the pair and returns the lock it now has (0: none yet).
func (l *sftpLockout) fail(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	l.evict(now)
	el, ok := l.byKey[key]
	if !ok {
		el = l.order.PushBack(&lockEntry{key: key})
		l.byKey[key] = el
	}
	l.order.MoveToBack(el)
	e := el.Value.(*lockEntry)
	kept := e.times[:0]
	for _, t := range e.times {
		if now.Sub(t) < l.window {
			kept = append(kept, t)
		}
	}
	e.times = append(kept, now)
	if len(e.times) > l.failures {
		e.times = e.times[len(e.times)-l.failures:]
	}
	return l.remaining(e, now)
}

// evict drops pairs whose last refusal left the window, then the least recently failing
// pairs while the table is full (room for one more).
func (l *sftpLockout) evict(now time.Time) {
	for front := l.order.Front(); front != nil; front = l.order.Front() {
		e := front.Value.(*lockEntry)
		expired := now.Sub(e.times[len(e.times)-1]) >= l.window
		if !expired && l.order.Len() < l.maxEntries {
			return
		}
		l.order.Remove(front)
		delete(l.byKey, e.key)
	}
}

// size is the number of pairs remembered (tests).
func (l *sftpLockout) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.order.Len()
}
