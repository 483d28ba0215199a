package socket

import (
	"context"
	"fmt"
	"log/slog"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/skypanel/skypanel/apispec"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/server/node"
)

// Deps are what the engine needs of the panel, set at construction.
type Deps struct {
	Logger *slog.Logger
	// Authenticate checks an access token (an expired or revoked one wraps
	// oauth.ErrExpiredToken / oauth.ErrInvalidToken) and returns its principal.
	Authenticate func(ctx context.Context, token string) (*Principal, error)
	// DB is the panel's store: servers (owner, node) and nodes are read from it.
	DB *ent.Client
	// Nodes finds a node's client; nil: no node can run servers (every join is unavailable).
	Nodes node.Finder
	// Errors maps an error to its envelope as p may see it (the code and message sent in an
	// error message; p is nil before authentication).
	Errors func(p *Principal, err error) *apispec.Error
	// ClientMessage is the schema client messages are validated against (WsClientMessage).
	ClientMessage *openapi3.Schema
	// AllowedOrigins are allowed whatever SetOptions says (the panel's configuration).
	AllowedOrigins []string
}

// Engine is the panel's WebSocket machinery: options, the per-server hubs and every open
// socket (for shutdown).
type Engine struct {
	deps Deps
	log  *slog.Logger

	mu      sync.Mutex
	opts    Options
	hubs    map[string]*hub
	sockets map[*socket]struct{}
	closed  bool
	wg      sync.WaitGroup // socket sessions and hub pumps
}

// New returns an engine with the default options; an allowed origin path.Match cannot use
// is refused (ErrInvalidOrigin).
func New(d Deps) (*Engine, error) {
	if err := CheckOriginPatterns(d.AllowedOrigins); err != nil {
		return nil, err
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	d.AllowedOrigins = slices.Clone(d.AllowedOrigins)
	return &Engine{deps: d, log: d.Logger, opts: DefaultOptions(), hubs: map[string]*hub{},
		sockets: map[*socket]struct{}{}}, nil
}

// CheckOriginPatterns refuses allowed-origin patterns path.Match cannot use.
func CheckOriginPatterns(patterns []string) error {
	for _, p := range patterns {
		if _, err := path.Match(p, ""); err != nil || strings.TrimSpace(p) == "" {
			return fmt.Errorf("allowed origin %q: %w", p, ErrInvalidOrigin)
		}
	}
	return nil
}

// SetOptions changes the options; sockets opened afterwards use them.
func (st *Engine) SetOptions(o Options) {
	st.mu.Lock()
	st.opts = o.withDefaults()
	st.mu.Unlock()
}

// Options returns the current options, the configured allowed origins included.
func (st *Engine) Options() Options {
	st.mu.Lock()
	defer st.mu.Unlock()
	o := st.opts
	o.AllowedOrigins = append(slices.Clone(o.AllowedOrigins), st.deps.AllowedOrigins...)
	return o
}

// Count returns how many sockets are attached to a server's events right now.
func (st *Engine) Count(serverID string) int {
	st.mu.Lock()
	h := st.hubs[serverID]
	st.mu.Unlock()
	if h == nil {
		return 0
	}
	return h.count()
}

// Close closes every WebSocket with 1001 (going away), refuses new ones and waits until their
// goroutines ended or ctx ends. Call it when the panel shuts down: http.Server.Shutdown does
// not wait for hijacked connections.
func (st *Engine) Close(ctx context.Context) error {
	st.mu.Lock()
	st.closed = true
	all := make([]*socket, 0, len(st.sockets))
	for s := range st.sockets {
		all = append(all, s)
	}
	st.mu.Unlock()
	for _, s := range all {
		s.closeWith(closeGoingAway, "the panel is shutting down", false)
	}
	done := make(chan struct{})
	go func() {
		st.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// register adds a socket (Close waits for it); false when the panel is shutting down.
func (st *Engine) register(s *socket) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.closed {
		return false
	}
	st.sockets[s] = struct{}{}
	st.wg.Add(1)
	return true
}

// unregister removes a socket whose goroutines have all ended.
func (st *Engine) unregister(s *socket) {
	st.mu.Lock()
	delete(st.sockets, s)
	st.mu.Unlock()
	st.wg.Done()
}

// nodeOf finds the client of a server's node.
func (st *Engine) nodeOf(ctx context.Context, row *ent.Server) (node.Client, error) {
	n, err := st.deps.DB.Node.Get(ctx, row.NodeID)
	if err != nil {
		return nil, err
	}
	return node.ClientOf(ctx, st.deps.Nodes, n)
}
