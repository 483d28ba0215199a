package daemon

import (
	"context"
	"errors"
	"fmt"

	"github.com/skypanel/skypanel/runtime"
)

// Status returns a server's state.
func (m *Manager) Status(id string) (StatusInfo, error) {
	s, err := m.get(id)
	if err != nil {
		return StatusInfo{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statusLocked(), nil
}

// Stats samples a server's resource usage. When no process runs it returns zeros, with
// MemoryLimit still reporting the configured limit (bytes; 0 = none).
func (m *Manager) Stats(ctx context.Context, id string) (runtime.Stats, error) {
	s, err := m.get(id)
	if err != nil {
		return runtime.Stats{}, err
	}
	s.mu.Lock()
	def, running := s.def, s.proc != nil
	s.mu.Unlock()
	if !running {
		return withLimit(runtime.Stats{}, def), nil
	}
	st, err := s.rt.Stats(ctx, id)
	if errors.Is(err, runtime.ErrNotRunning) {
		return withLimit(runtime.Stats{}, def), nil
	}
	if err != nil {
		return runtime.Stats{}, fmt.Errorf("stats of %q: %w", id, err)
	}
	return withLimit(st, def), nil
}

// Console returns the text of the retained console lines with a cursor strictly greater than
// since, and the cursor to pass next time (see the package doc).
func (m *Manager) Console(id string, since int64) ([]string, int64, error) {
	lines, next, err := m.ConsoleLines(id, since)
	if err != nil {
		return nil, since, err
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = l.Text
	}
	return out, next, nil
}

// ConsoleLines is Console with each line's cursor and time.
func (m *Manager) ConsoleLines(id string, since int64) ([]ConsoleLine, int64, error) {
	s, err := m.get(id)
	if err != nil {
		return nil, since, err
	}
	lines, next := s.ring.since(since)
	return lines, next, nil
}

// Subscribe returns a subscription to a server's events (console lines, status changes, stats)
// with a buffer of bufferSize events (DefaultSubscriptionBuffer when <= 0). Its Backlog holds
// the console lines retained at that moment; C continues right after them.
func (m *Manager) Subscribe(id string, bufferSize int) (*Subscription, error) {
	return SubscribeConv(m, id, bufferSize, identity)
}

// SubscribeConv is Manager.Subscribe with every event converted by conv as it is delivered
// (under the subscription's lock: conv must be cheap and must not block; nothing is converted
// for a full buffer).
func SubscribeConv[E any](m *Manager, id string, bufferSize int, conv func(Event) E) (*Sub[E], error) {
	s, err := m.get(id)
	if err != nil {
		return nil, err
	}
	return subscribeRing(s.ring, bufferSize, conv)
}
