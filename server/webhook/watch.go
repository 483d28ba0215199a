package webhook

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/webhook"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/gen/daemonapi"
	"github.com/skypanel/skypanel/server/node"
)

// stateEvents are the events the Watcher produces.
var stateEvents = []string{ServerInstalled, ServerInstallFailed, ServerStarted, ServerStopped, ServerCrashed}

// Watcher turns server state changes into events. While an active webhook wants one of
// stateEvents it holds one event stream per server (the stream the console socket uses)
// and records each transition once: installing → stopped is server.installed, installing →
// install_failed server.install_failed, → running server.started, running/starting/stopping
// → stopped server.stopped, → crashed server.crashed. A stream that breaks (node down) is
// opened again at the next resync; a transition made meanwhile is recorded then, once.
// The states a panel saw are kept in memory: a restarted panel takes the current states as
// its baseline.
type Watcher struct {
	eng    *Engine
	db     *ent.Client
	nodes  node.Finder
	log    *slog.Logger
	resync time.Duration

	mu      sync.Mutex
	watched map[string]*watch // server id → its stream
	last    map[string]string // server id → last state seen (kept across streams)

	kick   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type watch struct{ stop context.CancelFunc }

// NewWatcher returns a watcher of the servers of db on nodes; resync is how often it
// compares its streams with the servers and the webhooks (<= 0: Engine's Poll).
func NewWatcher(eng *Engine, db *ent.Client, nodes node.Finder, resync time.Duration, log *slog.Logger) *Watcher {
	if resync <= 0 {
		resync = eng.cfg.Poll
	}
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Watcher{eng: eng, db: db, nodes: nodes, log: log.With("component", "webhook.watch"), resync: resync,
		watched: map[string]*watch{}, last: map[string]string{}, kick: make(chan struct{}, 1), ctx: ctx, cancel: cancel}
}

// Start resyncs now and then every resync interval (or when kicked), until Close.
func (w *Watcher) Start() {
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		t := time.NewTicker(w.resync)
		defer t.Stop()
		for {
			w.sync(w.ctx)
			select {
			case <-w.ctx.Done():
				return
			case <-t.C:
			case <-w.kick:
			}
		}
	}()
}

// Close ends every stream and waits for them (a Watch under way included).
func (w *Watcher) Close() {
	w.mu.Lock()
	w.cancel()
	w.mu.Unlock()
	w.wg.Wait()
}

// Kick asks for a resync soon (a webhook was created or changed).
func (w *Watcher) Kick() {
	if w == nil {
		return
	}
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

// wanted reports whether an active webhook wants a state event.
func (w *Watcher) wanted(ctx context.Context) (bool, error) {
	hooks, err := w.db.Webhook.Query().Where(webhook.Active(true)).Select(webhook.FieldEvents).All(ctx)
	if err != nil {
		return false, err
	}
	for _, h := range hooks {
		for _, e := range h.Events {
			if e == AllEvents || slices.Contains(stateEvents, e) {
				return true, nil
			}
		}
	}
	return false, nil
}

// sync opens streams for servers not watched and ends those of servers gone (all of them
// when no webhook wants state events).
func (w *Watcher) sync(ctx context.Context) {
	want, err := w.wanted(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.log.Warn("webhooks to watch for", "err", err)
		}
		return
	}
	var servers []*ent.Server
	if want {
		if servers, err = w.db.Server.Query().WithNode().All(ctx); err != nil {
			if ctx.Err() == nil {
				w.log.Warn("servers to watch", "err", err)
			}
			return
		}
	}
	keep := make(map[string]bool, len(servers))
	for _, s := range servers {
		keep[s.ID] = true
		w.watch(ctx, s)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for id, x := range w.watched {
		if !keep[id] {
			x.stop()
			delete(w.watched, id)
		}
	}
	for id := range w.last {
		if !keep[id] && want {
			delete(w.last, id)
		}
	}
}

// Watch opens the stream of a new server when a webhook wants state events (s with its
// node edge loaded), and reads its state before returning: a change made after Watch
// returns is seen. Errors (node down) are left to the next resync.
func (w *Watcher) Watch(ctx context.Context, s *ent.Server) {
	if w == nil {
		return
	}
	if want, err := w.wanted(ctx); err == nil && want {
		w.watch(ctx, s)
	}
}

// watch opens s's stream unless it has one.
func (w *Watcher) watch(ctx context.Context, s *ent.Server) {
	if s.Edges.Node == nil || w.ctx.Err() != nil {
		return
	}
	w.mu.Lock()
	_, ok := w.watched[s.ID]
	w.mu.Unlock()
	if ok {
		return
	}
	nc, err := node.ClientOf(ctx, w.nodes, s.Edges.Node)
	if err != nil {
		return
	}
	sctx, stop := context.WithCancel(w.ctx)
	stream, err := nc.Events(sctx, s.ID, 64)
	if err != nil {
		stop()
		return
	}
	x := &watch{stop: stop}
	w.mu.Lock()
	if _, ok := w.watched[s.ID]; ok || w.ctx.Err() != nil { // raced with another Watch
		w.mu.Unlock()
		stream.Close()
		stop()
		return
	}
	w.watched[s.ID] = x
	w.wg.Add(1) // under mu, before Close can cancel: Close waits for the stream
	w.mu.Unlock()
	w.status(ctx, nc, s)
	go w.follow(sctx, nc, s, x, stream)
}

// follow reads s's stream until it ends, recording each status.
func (w *Watcher) follow(ctx context.Context, nc node.Client, s *ent.Server, x *watch, stream interface {
	C() <-chan daemonapi.Event
	Close()
}) {
	defer w.wg.Done()
	defer func() {
		stream.Close()
		x.stop()
		w.mu.Lock()
		if w.watched[s.ID] == x {
			delete(w.watched, s.ID)
		}
		w.mu.Unlock()
	}()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-stream.C():
			if !ok {
				return
			}
			switch {
			case ev.Kind == daemonapi.EventKindStatus && ev.Status != nil:
				w.observe(s, string(ev.Status.State), ev.Status.Message)
			case ev.Dropped != nil && *ev.Dropped > 0: // a status may be among the lost events
				w.status(ctx, nc, s)
			case ev.Kind == daemonapi.EventKindDeleted:
				return
			}
		}
	}
}

// status reads s's state from its node and records it.
func (w *Watcher) status(ctx context.Context, nc node.Client, s *ent.Server) {
	st, err := nc.Status(ctx, s.ID)
	if err == nil {
		w.observe(s, string(st.State), st.Message)
	}
}

// observe records s's state and the event of the transition, if any.
func (w *Watcher) observe(s *ent.Server, state string, msg *string) {
	w.mu.Lock()
	prev, seen := w.last[s.ID]
	w.last[s.ID] = state
	w.mu.Unlock()
	typ := transition(prev, state)
	if !seen || typ == "" {
		return
	}
	data := gen.WebhookEventData{Server: ServerPayload(s, state)}
	if (typ == ServerInstallFailed || typ == ServerCrashed) && msg != nil && *msg != "" {
		data.Error = msg
	}
	w.eng.Fire(w.ctx, Event{Type: typ, Data: data})
}

// transition is the event of a change of state (prev "" = unknown: none).
func transition(prev, next string) string {
	if prev == "" || prev == next {
		return ""
	}
	switch daemonapi.State(next) {
	case daemonapi.StateRunning:
		return ServerStarted
	case daemonapi.StateCrashed:
		return ServerCrashed
	case daemonapi.StateInstallFailed:
		return ServerInstallFailed
	case daemonapi.StateStopped:
		switch daemonapi.State(prev) {
		case daemonapi.StateInstalling:
			return ServerInstalled
		case daemonapi.StateRunning, daemonapi.StateStarting, daemonapi.StateStopping:
			return ServerStopped
		}
	}
	return ""
}
