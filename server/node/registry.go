package node

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/skypanel/skypanel/ent"
)

// Defaults of the Registry's health polls.
const (
	PollInterval = 5 * time.Second
	PollTimeout  = 2 * time.Second
)

// ReconcileFunc brings node nodeID in line with the database through c. The Registry calls it
// on the first contact with a node, when its daemon restarted (a new bootId) and when it
// answers again after being unavailable; never twice at once for one node.
type ReconcileFunc func(ctx context.Context, nodeID int, c Client) error

// RegistryOptions configure a Registry.
type RegistryOptions struct {
	DB        *ent.Client
	Local     Client      // the embedded node's client; nil: the local node is unavailable
	Tokens    TokenSource // the panel's Signer
	Transport TransportOptions
	Reconcile ReconcileFunc // nil: nothing is reconciled
	// PollInterval and PollTimeout default to PollInterval and PollTimeout.
	PollInterval time.Duration
	PollTimeout  time.Duration
	Logger       *slog.Logger
	// OnChange, when set, hears a remote node go down (up=false, with the cause) and answer
	// again (up=true): once per transition, in its own goroutine. A node never seen down
	// does not come "up" at the first contact.
	OnChange func(ctx context.Context, nodeID int, up bool, cause error)
}

// Registry is the panel's node.Finder: the local node's client for the local node and one
// cached Remote per remote node, rebuilt when its address changes. It polls every remote
// node's health; after a failed poll or call a node is down and Client fails fast with an
// *UnavailableError until a poll succeeds. Its goroutines stop in Close.
type Registry struct {
	opts  RegistryOptions
	log   *slog.Logger
	base  *http.Transport
	ctx   context.Context
	stop  context.CancelFunc
	wg    sync.WaitGroup
	mu    sync.Mutex
	nodes map[int]*nodeState
}

// nodeState is what the Registry knows of one remote node.
type nodeState struct {
	remote     *Remote
	host       string
	port       int
	down       bool
	cause      error  // why it is down
	bootID     string // "" until the first successful poll
	stale      bool   // a reconcile is due (it failed, or the node came back)
	reconciles bool   // a reconcile goroutine runs for this node
	again      bool   // another reconcile was asked for while one ran
}

var _ Finder = (*Registry)(nil)

// NewRegistry builds a Registry; Start begins the polls.
func NewRegistry(o RegistryOptions) (*Registry, error) {
	if o.DB == nil || o.Tokens == nil {
		return nil, fmt.Errorf("%w: the registry needs the database and a token source", ErrTransportConfig)
	}
	if o.PollInterval <= 0 {
		o.PollInterval = PollInterval
	}
	if o.PollTimeout <= 0 {
		o.PollTimeout = PollTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	base, err := NewTransport(o.Transport)
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancel(context.Background())
	return &Registry{opts: o, log: o.Logger.With("component", "node.registry"), base: base,
		ctx: ctx, stop: stop, nodes: map[int]*nodeState{}}, nil
}

// Start polls every remote node now and then every PollInterval, until Close.
func (r *Registry) Start() {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		t := time.NewTicker(r.opts.PollInterval)
		defer t.Stop()
		for {
			r.Poll(r.ctx)
			select {
			case <-r.ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// Close stops the polls and waits for them and for running reconciles.
func (r *Registry) Close() {
	r.stop()
	r.wg.Wait()
	r.base.CloseIdleConnections()
}

// Client returns the client of n: the local node's, or n's Remote unless n is down.
func (r *Registry) Client(_ context.Context, n *ent.Node) (Client, error) {
	if n.Local {
		if r.opts.Local == nil {
			return nil, Unavailable(n.ID, errors.New("the local node is not running"))
		}
		return r.opts.Local, nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	st, err := r.stateLocked(n)
	if err != nil {
		return nil, Unavailable(n.ID, err)
	}
	if st.down {
		return nil, Unavailable(n.ID, st.cause)
	}
	return st.remote, nil
}

// stateLocked returns n's state, (re)building its Remote when n's address changed.
func (r *Registry) stateLocked(n *ent.Node) (*nodeState, error) {
	st := r.nodes[n.ID]
	if st != nil && st.host == n.PrivateHost && st.port == n.PrivatePort {
		return st, nil
	}
	if st == nil {
		st = &nodeState{}
		r.nodes[n.ID] = st
	}
	id := n.ID
	rem, err := NewRemote(RemoteOptions{NodeID: id, Host: n.PrivateHost, Port: n.PrivatePort,
		Scheme: r.opts.Transport.Scheme(), Tokens: r.opts.Tokens, Transport: r.base, Logger: r.opts.Logger,
		OnFailure: func(err error) { r.markDown(id, err) }})
	if err != nil {
		delete(r.nodes, n.ID)
		return nil, err
	}
	st.remote, st.host, st.port = rem, n.PrivateHost, n.PrivatePort
	st.bootID = ""                 // another address may be another daemon: the next contact reconciles
	st.down, st.cause = false, nil // the new address is tried
	return st, nil
}

// markDown records that node id did not answer.
func (r *Registry) markDown(id int, cause error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.nodes[id]
	if st == nil {
		return
	}
	var u *UnavailableError
	if errors.As(cause, &u) && u.NodeID == id && u.Err != nil {
		cause = u.Err // Client wraps it again
	}
	if !st.down {
		r.log.Warn("node unavailable", "node", id, "err", cause)
		r.changedLocked(id, false, cause)
	}
	st.down, st.cause = true, cause
}

// changedLocked tells OnChange (r.mu held) without holding the lock while it runs.
func (r *Registry) changedLocked(id int, up bool, cause error) {
	if r.opts.OnChange == nil || r.ctx.Err() != nil {
		return
	}
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.opts.OnChange(r.ctx, id, up, cause)
	}()
}
