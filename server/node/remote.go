package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/skypanel/skypanel/daemon/nodeapi"
	"github.com/skypanel/skypanel/gen/daemonapi"
)

// RemoteOptions say which node a Remote talks to and how.
type RemoteOptions struct {
	NodeID int
	// Host and Port are the node's privateHost and privatePort.
	Host string
	Port int
	// Scheme is "https" (default) or "http" (TransportOptions.InsecureHTTP).
	Scheme string
	// Tokens signs a token per request (the panel's Signer).
	Tokens TokenSource
	// Transport is the pooled base transport (NewTransport), shared by all nodes.
	Transport http.RoundTripper
	// OnFailure is told about every call that found the node unavailable (the Registry marks
	// the node down); nil ignores.
	OnFailure func(err error)
	// EventIdleTimeout is how long an event stream may stay silent (default EventIdleTimeout).
	EventIdleTimeout time.Duration
	Logger           *slog.Logger
}

// Remote is a node reached over HTTP: nodeapi.Node implemented with the generated client of
// daemon.yaml. Every call carries a fresh panel token; a node that does not answer in time,
// or whose answer is not daemon.yaml's, gives an *UnavailableError naming the node; error
// envelopes become the daemon's sentinels (nodeapi.ErrorFor).
type Remote struct {
	opts RemoteOptions
	base string
	raw  *daemonapi.Client
	api  *daemonapi.ClientWithResponses
	log  *slog.Logger

	mu       sync.Mutex
	down     context.Context // cancelled by Abort; replaced then
	markDown context.CancelCauseFunc
}

var _ Client = (*Remote)(nil)

// NewRemote returns the client of one remote node.
func NewRemote(o RemoteOptions) (*Remote, error) {
	if o.NodeID < 1 || o.Host == "" || o.Port < 1 || o.Tokens == nil || o.Transport == nil {
		return nil, fmt.Errorf("%w: node %d at %s:%d (a token source and transport are required)",
			ErrTransportConfig, o.NodeID, o.Host, o.Port)
	}
	if o.Scheme == "" {
		o.Scheme = "https"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.EventIdleTimeout <= 0 {
		o.EventIdleTimeout = EventIdleTimeout
	}
	base := o.Scheme + "://" + net.JoinHostPort(o.Host, strconv.Itoa(o.Port))
	r := &Remote{opts: o, base: base, log: o.Logger.With("component", "node.remote", "node", o.NodeID)}
	r.down, r.markDown = context.WithCancelCause(context.Background())
	hc := &http.Client{
		Transport:     &tokenTransport{nodeID: o.NodeID, tokens: o.Tokens, base: o.Transport, down: r.downContext},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	raw, err := daemonapi.NewClient(base, daemonapi.WithHTTPClient(hc))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTransportConfig, err)
	}
	r.raw, r.api = raw, &daemonapi.ClientWithResponses{ClientInterface: raw}
	return r, nil
}

// Abort ends every call in flight to the node, streams included, with cause (the Registry
// found the node down: long calls must not wait for their own bounds). Later calls proceed.
func (r *Remote) Abort(cause error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.markDown(cause)
	r.down, r.markDown = context.WithCancelCause(context.Background())
}

func (r *Remote) downContext() context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.down
}

// NodeID is the node this client talks to.
func (r *Remote) NodeID() int { return r.opts.NodeID }

// Address is the node's base URL.
func (r *Remote) Address() string { return r.base }

// long gives the calls made with ctx the long response-header bound.
func long(ctx context.Context) context.Context { return withHeaderTimeout(ctx, LongTimeout) }

// failed turns a transport error into the caller's cancellation or an *UnavailableError.
func (r *Remote) failed(ctx context.Context, err error) error {
	if ctx.Err() != nil && !errors.Is(err, ErrTimeout) {
		return fmt.Errorf("node %d: %w", r.opts.NodeID, ctx.Err())
	}
	return r.unavailable(err)
}

// unavailable wraps cause as this node not answering and tells OnFailure.
func (r *Remote) unavailable(cause error) error {
	err := Unavailable(r.opts.NodeID, cause)
	if r.opts.OnFailure != nil {
		r.opts.OnFailure(err)
	}
	return err
}

// status checks a bodiless answer: nil when its status is want, else the node's error.
func (r *Remote) status(hr *http.Response, body []byte, want int) error {
	if hr.StatusCode == want {
		return nil
	}
	return r.errorOf(hr, body)
}

// value checks an answer with a JSON body: v (parsed by the generated client) when the status
// is want, else the node's error; a missing body is a protocol error.
func value[T any](r *Remote, hr *http.Response, body []byte, want int, v *T) (T, error) {
	var zero T
	if err := r.status(hr, body, want); err != nil {
		return zero, err
	}
	if v == nil {
		return zero, r.unavailable(fmt.Errorf("%w: status %d without the documented body", ErrProtocol, hr.StatusCode))
	}
	return *v, nil
}

// errorOf decodes the error answer hr (body read): the envelope's code as the daemon's
// sentinel; a refused token, or an answer without an envelope, as the node being unavailable;
// a route or method the node does not have as its daemon being too old (a *TooOldError).
func (r *Remote) errorOf(hr *http.Response, body []byte) error {
	var env daemonapi.Error
	if json.Unmarshal(body, &env) != nil || env.Error.Code == "" {
		return r.unavailable(fmt.Errorf("%w: status %d without an error envelope", ErrProtocol, hr.StatusCode))
	}
	err := nodeapi.ErrorFor(env.Error.Code, env.Error.Msg)
	switch {
	case env.Error.Code == daemonapi.DaemonErrorCodeErrUnauthorized:
		return r.unavailable(fmt.Errorf("the node refused the panel's token: %w", err))
	case lacksOperation(hr.StatusCode, env.Error.Code):
		return &TooOldError{NodeID: r.opts.NodeID, Operation: operationOf(hr.Request), Err: err}
	}
	return err
}

// lacksOperation reports whether an error answer says the daemon has no such operation:
// ErrRouteNotFound, ErrMethodNotAllowed, or the 404 ErrFieldInvalid that daemons before those
// codes sent for both (ErrFieldInvalid is otherwise 400 or 413).
func lacksOperation(status int, code daemonapi.DaemonErrorCode) bool {
	switch code {
	case daemonapi.DaemonErrorCodeErrRouteNotFound, daemonapi.DaemonErrorCodeErrMethodNotAllowed:
		return true
	case daemonapi.DaemonErrorCodeErrFieldInvalid:
		return status == http.StatusNotFound
	}
	return false
}

// operationOf names the daemon.yaml operation of req (nil: unknown).
func operationOf(req *http.Request) string {
	if req == nil || req.URL == nil {
		return "an unknown operation"
	}
	return nodeapi.OperationOf(req.Method, req.URL.EscapedPath())
}

// Health says who the node is.
func (r *Remote) Health(ctx context.Context) (daemonapi.Health, error) {
	resp, err := r.api.GetHealthWithResponse(ctx)
	if err != nil {
		return daemonapi.Health{}, r.failed(ctx, err)
	}
	return value(r, resp.HTTPResponse, resp.Body, http.StatusOK, resp.JSON200)
}

// System describes the node's machine.
func (r *Remote) System(ctx context.Context) (daemonapi.System, error) {
	resp, err := r.api.GetSystemWithResponse(ctx)
	if err != nil {
		return daemonapi.System{}, r.failed(ctx, err)
	}
	return value(r, resp.HTTPResponse, resp.Body, http.StatusOK, resp.JSON200)
}

// Features says what the node can run.
func (r *Remote) Features(ctx context.Context) (daemonapi.Features, error) {
	resp, err := r.api.GetFeaturesWithResponse(ctx)
	if err != nil {
		return daemonapi.Features{}, r.failed(ctx, err)
	}
	return value(r, resp.HTTPResponse, resp.Body, http.StatusOK, resp.JSON200)
}

// ListServers returns every server on the node, ordered by id.
func (r *Remote) ListServers(ctx context.Context) ([]daemonapi.ServerSummary, error) {
	resp, err := r.api.ListServersWithResponse(ctx)
	if err != nil {
		return nil, r.failed(ctx, err)
	}
	l, err := value(r, resp.HTTPResponse, resp.Body, http.StatusOK, resp.JSON200)
	return l.Servers, err
}
