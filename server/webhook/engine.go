package webhook

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/webhookdelivery"
	"github.com/skypanel/skypanel/server/store"
)

// Config tunes the engine; zero fields take Default's values.
type Config struct {
	Workers     int           // attempts in flight, all endpoints together
	PerEndpoint int           // attempts in flight to one endpoint
	Timeout     time.Duration // one attempt: connect, send, answer
	RetryFor    time.Duration // retry window from the event (or a redeliver call)
	BaseBackoff time.Duration // wait after the first failure; doubles per failure
	MaxBackoff  time.Duration // longest wait between attempts
	// Poll is how often the dispatcher looks for due rows without being woken (rows another
	// replica wrote, leases that ended).
	Poll        time.Duration
	MaxResponse int64 // bytes of an answer read (the rest is dropped)
	// Retention is how long delivered and failed deliveries stay in the log.
	Retention time.Duration
	// Client sends the requests (nil: one that never follows redirects). Tests only.
	Client *http.Client
}

// Default returns the documented defaults: 16 workers, 2 per endpoint, 10 s per attempt,
// retries for 24 h with backoff from 10 s up to 1 h, finished deliveries kept 30 days.
func Default() Config {
	return Config{Workers: 16, PerEndpoint: 2, Timeout: 10 * time.Second, RetryFor: 24 * time.Hour,
		BaseBackoff: 10 * time.Second, MaxBackoff: time.Hour, Poll: 30 * time.Second, MaxResponse: 64 << 10,
		Retention: 30 * 24 * time.Hour}
}

func (c Config) withDefaults() Config {
	d := Default()
	set := func(v *time.Duration, def time.Duration) {
		if *v <= 0 {
			*v = def
		}
	}
	set(&c.Timeout, d.Timeout)
	set(&c.RetryFor, d.RetryFor)
	set(&c.BaseBackoff, d.BaseBackoff)
	set(&c.MaxBackoff, d.MaxBackoff)
	set(&c.Poll, d.Poll)
	set(&c.Retention, d.Retention)
	if c.Workers <= 0 {
		c.Workers = d.Workers
	}
	if c.PerEndpoint <= 0 {
		c.PerEndpoint = d.PerEndpoint
	}
	if c.MaxResponse <= 0 {
		c.MaxResponse = d.MaxResponse
	}
	if c.Client == nil {
		c.Client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // a 3xx is an answer (not delivered), never followed
		}}
	}
	return c
}

// Engine records events and delivers them. Create it with New, Start it once, Close it
// before the store.
type Engine struct {
	client *ent.Client
	sealer *store.Sealer
	cfg    Config
	log    *slog.Logger
	wake   chan struct{}

	mu       sync.Mutex
	inflight map[int]bool // delivery ids being attempted
	perHook  map[int]int  // attempts in flight per webhook id
	running  int

	ctx    context.Context // ends with Close
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns an engine on the store's client, sealing secrets with sealKey.
func New(client *ent.Client, sealKey []byte, cfg Config, log *slog.Logger) (*Engine, error) {
	s, err := store.NewSealer(sealKey)
	if err != nil {
		return nil, fmt.Errorf("webhook secrets: %w", err)
	}
	if log == nil {
		log = slog.Default()
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Engine{client: client, sealer: s, cfg: cfg.withDefaults(), log: log.With("component", "webhook"),
		wake: make(chan struct{}, 1), inflight: map[int]bool{}, perHook: map[int]int{}, ctx: ctx, cancel: cancel}, nil
}

// Start runs the dispatcher until Close.
func (e *Engine) Start() {
	e.wg.Add(1)
	go e.run(e.ctx)
}

// Go runs fn (something that waits for an event to happen, e.g. a backup's end) until it
// returns or Close cancels its context; Close waits for it. Without an engine, or once
// closed, fn does not run.
func (e *Engine) Go(fn func(ctx context.Context)) {
	if e == nil {
		return
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ctx.Err() != nil {
		return
	}
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		fn(e.ctx)
	}()
}

// Close stops the dispatcher, cancels the attempts in flight (their rows stay due, not
// counted as attempts) and what Go runs, and waits for them.
func (e *Engine) Close() {
	e.mu.Lock()
	e.cancel()
	e.mu.Unlock()
	e.wg.Wait()
}

func (e *Engine) run(ctx context.Context) {
	defer e.wg.Done()
	var pruned time.Time
	for {
		if time.Since(pruned) >= pruneInterval {
			e.prune(ctx)
			pruned = time.Now()
		}
		wait := e.dispatch(ctx)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-e.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// pruneInterval is how often finished deliveries older than Retention are deleted.
const pruneInterval = time.Hour

// prune deletes the delivered and failed deliveries older than Retention.
func (e *Engine) prune(ctx context.Context) {
	n, err := e.client.WebhookDelivery.Delete().Where(webhookdelivery.StatusNEQ(webhookdelivery.StatusPending),
		webhookdelivery.CreatedAtLT(time.Now().UTC().Add(-e.cfg.Retention))).Exec(ctx)
	if err != nil && ctx.Err() == nil {
		e.log.Warn("prune webhook deliveries", "err", err)
	} else if n > 0 {
		e.log.Debug("pruned webhook deliveries", "deleted", n)
	}
}

// dispatchBatch bounds the due rows read per pass.
const dispatchBatch = 64

// dispatch starts an attempt for each due row whose endpoint has a free slot, and returns
// how long to wait before the next pass (a finished attempt wakes it earlier).
func (e *Engine) dispatch(ctx context.Context) time.Duration {
	now := time.Now().UTC()
	busy := e.busyHooks()
	rows, err := e.client.WebhookDelivery.Query().
		Where(webhookdelivery.StatusEQ(webhookdelivery.StatusPending), webhookdelivery.NextAttemptAtLTE(now),
			webhookdelivery.WebhookIDNotIn(busy...)).
		Order(ent.Asc(webhookdelivery.FieldNextAttemptAt), ent.Asc(webhookdelivery.FieldID)).
		Limit(dispatchBatch).All(ctx)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Error("read due deliveries", "err", err)
		}
		return e.cfg.Poll
	}
	started := 0
	for _, d := range rows {
		if !e.acquire(d) {
			continue
		}
		started++
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			defer e.release(d)
			e.attempt(ctx, d)
		}()
	}
	// A full batch all started: read the next one now. A row left behind waits for a slot,
	// and the attempt that frees it wakes the dispatcher (release); passing again now would
	// only read the same rows again until then.
	if len(rows) == dispatchBatch && started == len(rows) {
		return 0
	}
	next, err := e.client.WebhookDelivery.Query().
		Where(webhookdelivery.StatusEQ(webhookdelivery.StatusPending), webhookdelivery.NextAttemptAtGT(now)).
		Order(ent.Asc(webhookdelivery.FieldNextAttemptAt)).First(ctx)
	if err != nil || next.NextAttemptAt == nil {
		return e.cfg.Poll
	}
	return min(e.cfg.Poll, max(next.NextAttemptAt.Sub(now), 0))
}

func (e *Engine) busyHooks() []int {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []int
	for id, n := range e.perHook {
		if n >= e.cfg.PerEndpoint {
			out = append(out, id)
		}
	}
	return out
}

// acquire takes a global and a per-endpoint slot for d (false: none free, or d is in flight).
func (e *Engine) acquire(d *ent.WebhookDelivery) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.inflight[d.ID] || e.running >= e.cfg.Workers || e.perHook[d.WebhookID] >= e.cfg.PerEndpoint {
		return false
	}
	e.inflight[d.ID] = true
	e.perHook[d.WebhookID]++
	e.running++
	return true
}

func (e *Engine) release(d *ent.WebhookDelivery) {
	e.mu.Lock()
	delete(e.inflight, d.ID)
	if e.perHook[d.WebhookID]--; e.perHook[d.WebhookID] <= 0 {
		delete(e.perHook, d.WebhookID)
	}
	e.running--
	e.mu.Unlock()
	e.Wake()
}
