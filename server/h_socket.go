package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/skypanel/skypanel/apispec"
	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/gen"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/socket"
)

// The server WebSocket: the engine is package server/socket; this file adapts it to the
// strict handler and the panel's authentication.

// SocketOptions configure the server WebSockets (socket.Options).
type SocketOptions = socket.Options

// DefaultSocketOptions returns the defaults.
func DefaultSocketOptions() SocketOptions { return socket.DefaultOptions() }

// Errors of the WebSocket feature (socket's sentinels).
var (
	ErrTooManySockets = socket.ErrTooManySockets
	ErrShuttingDown   = socket.ErrShuttingDown
	ErrInvalidOrigin  = socket.ErrInvalidOrigin
)

// newSocketEngine builds the WebSocket engine over the App's authenticator, store, nodes and
// error mapping.
func (a *App) newSocketEngine() (*socket.Engine, error) {
	schema := a.contract.Doc.Components.Schemas["WsClientMessage"]
	d := socket.Deps{Logger: a.log, Nodes: a.nodes, Errors: a.socketError,
		Authenticate: a.socketPrincipal, AllowedOrigins: a.cfg.AllowedOrigins}
	if schema != nil {
		d.ClientMessage = schema.Value
	}
	if a.store != nil {
		d.DB = a.store.Client
	}
	return socket.New(d)
}

// socketError maps an error for a socket's error message; a node's unavailability reason is
// hidden from tenants (publicMsg).
func (a *App) socketError(p *socket.Principal, err error) *apispec.Error {
	ae := a.toAPIError(err)
	var caller *Principal
	if p != nil {
		caller = &Principal{UserID: p.UserID, Admin: p.Admin}
	}
	out := *ae
	out.Msg = publicMsg(caller, err, ae)
	return &out
}

// socketPrincipal authenticates a socket's token.
func (a *App) socketPrincipal(ctx context.Context, token string) (*socket.Principal, error) {
	got, err := a.auth.Authenticate(ctx, token)
	if err != nil {
		return nil, err
	}
	return toSocketPrincipal(&got, a.contract.Expand(got.Scopes)), nil
}

func toSocketPrincipal(p *Principal, effective map[string]bool) *socket.Principal {
	return &socket.Principal{UserID: p.UserID, Admin: p.Admin, Effective: effective, ExpiresAt: p.ExpiresAt}
}

// SetSocketOptions changes the WebSocket options; sockets opened afterwards use them.
func (a *App) SetSocketOptions(o SocketOptions) { a.sockets.SetOptions(o) }

// SocketCount returns how many sockets are attached to a server's events right now.
func (a *App) SocketCount(serverID string) int { return a.sockets.Count(serverID) }

// CloseSockets closes every WebSocket with 1001 (going away), refuses new ones and waits
// until their goroutines ended or ctx ends (socket.Engine.Close).
func (a *App) CloseSockets(ctx context.Context) error { return a.sockets.Close(ctx) }

// ServerSocket upgrades to the server's WebSocket. With a bearer token on the upgrade
// request, everything that can fail is checked before upgrading (404, 503, 429 in the
// envelope); without one, the socket authenticates with its first message.
func (h *Handlers) ServerSocket(ctx context.Context, req gen.ServerSocketRequestObject) (gen.ServerSocketResponseObject, error) {
	r := ginRequest(ctx)
	eng := h.a.sockets
	x := socketResponse{eng: eng, r: r, serverID: req.ServerId}
	p := PrincipalFrom(ctx)
	if p == nil && !socket.IsUpgrade(r) {
		return nil, errUnauthorized("missing bearer token: send Authorization: Bearer <token>, or open a WebSocket and send an auth message first")
	}
	var (
		row *ent.Server
		nc  node.Client
	)
	if p != nil {
		var err error
		if row, nc, err = h.serverOnNode(ctx, req.ServerId); err != nil {
			return nil, err
		}
	}
	if err := socket.CheckHandshake(r); err != nil {
		return nil, err
	}
	if err := socket.CheckOrigin(r, eng.Options().AllowedOrigins); err != nil {
		return nil, err
	}
	if p != nil {
		token, _ := bearer(r)
		j, err := eng.Acquire(ctx, row.ID, toSocketPrincipal(p, p.Effective), token, nc)
		if errors.Is(err, socket.ErrTooManySockets) {
			if c, ok := ctx.(*gin.Context); ok {
				c.Writer.Header().Set("Retry-After", "10")
			}
		}
		if err != nil {
			return nil, err
		}
		x.join = j
	}
	return x, nil
}

// socketResponse upgrades the connection and serves the socket until it closes.
type socketResponse struct {
	eng      *socket.Engine
	r        *http.Request
	serverID string
	join     *socket.Join // set when the upgrade request carried a valid token
}

func (x socketResponse) VisitServerSocketResponse(w http.ResponseWriter) error {
	x.eng.Serve(w, x.r, x.serverID, x.join)
	return nil
}
