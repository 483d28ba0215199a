// Package server is the SkyPanel panel: the HTTP API of openapi.yaml (handlers implementing the
// generated strict interface), the spec-driven middleware (authentication, scopes, validation,
// rate limits, errors, X-API-Version), OAuth2 wiring and the panel's configuration.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	skypanel "github.com/skypanel/skypanel"
	"github.com/skypanel/skypanel/apispec"
	"github.com/skypanel/skypanel/server/node"
	"github.com/skypanel/skypanel/server/oauth"
	"github.com/skypanel/skypanel/server/socket"
	"github.com/skypanel/skypanel/server/store"
	"github.com/skypanel/skypanel/server/webhook"
)

// Deps are what the panel is built from; main opens them and closes them after Shutdown.
type Deps struct {
	Config Config
	Logger *slog.Logger
	Store  *store.Store
	OAuth  *oauth.Provider
	Nodes  node.Finder // nil: no node can run servers
	// Signer signs the panel's node tokens (served as the JWKS); nil loads it from Store.
	Signer *node.Signer
	// Reconciler is the one the Registry calls (OpenNodes); nil: a new one (transfers then
	// cannot hold servers away from the Registry's reconciles).
	Reconciler *Reconciler
	// Webhooks records events and delivers them; nil: a new engine, not started (events are
	// recorded, Open starts the delivery).
	Webhooks *webhook.Engine
	// HookWatcher turns server state changes into webhook events (nil: none are recorded).
	HookWatcher *webhook.Watcher
	// LocalReady, when set, is /readyz's localNode check (Open: the local node's daemon).
	LocalReady func(context.Context) error
}

// App is the panel's HTTP application.
type App struct {
	cfg         Config
	log         *slog.Logger
	access      *slog.Logger // component "access": one line per request (accesslog.go)
	contract    *Contract
	validator   *apispec.Validator // request checks against openapi.yaml (validate.go)
	errs        []errorMapper      // errors → envelopes, in order (errmap.go)
	auth        Authenticator
	oauth       *oauth.Provider
	store       *store.Store
	nodes       node.Finder
	signer      *node.Signer // node tokens and the JWKS (h_nodes_remote.go)
	reconciler  *Reconciler  // holds servers in transfer away from reconciles (reconcile.go)
	clientLimit *limiter
	ipLimit     *limiter
	proxies     proxies // trusted reverse proxies (Config.TrustedProxies)
	engine      *gin.Engine
	handler     http.Handler
	sockets     *socket.Engine  // the WebSocket engine (h_socket.go)
	xfer        transfers       // running server transfers (transfer.go)
	sftp        *sftpState      // SFTP login lockout and audit log (sftp_auth.go)
	hooks       *webhook.Engine // webhook events and deliveries (h_webhooks.go)
	watcher     *webhook.Watcher
	spec        specDocs                    // the served contract (h_spec.go)
	docs        docsSite                    // the served reference page (docs.go)
	metrics     *metrics                    // Prometheus collectors (metrics.go)
	localNode   func(context.Context) error // /readyz's localNode check (nil: none)
}

// New builds the panel: loads the contract, wires middleware and the generated routes.
func New(ctx context.Context, d Deps) (*App, error) {
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	contract, err := LoadContract(ctx, skypanel.OpenAPI)
	if err != nil {
		return nil, err
	}
	a := &App{
		cfg: d.Config, log: d.Logger.With("component", "api"), access: d.Logger.With("component", "access"), contract: contract,
		oauth: d.OAuth, store: d.Store, nodes: d.Nodes, signer: d.Signer, reconciler: d.Reconciler,
		auth:        oauthAuthenticator{d.OAuth},
		clientLimit: newLimiter(d.Config.ClientLimit, nil),
		ipLimit:     newLimiter(d.Config.IPLimit, nil),
		errs:        errorMappers(),
		sftp:        newSFTPState(d.Logger),
		hooks:       d.Webhooks, watcher: d.HookWatcher,
		metrics: newMetrics(), localNode: d.LocalReady,
	}
	if a.cfg.MaxBodyBytes <= 0 {
		a.cfg.MaxBodyBytes = Default().MaxBodyBytes
	}
	if a.cfg.MaxTokenBodyBytes <= 0 {
		a.cfg.MaxTokenBodyBytes = Default().MaxTokenBodyBytes
	}
	a.validator = newValidator(contract, a.cfg)
	if a.spec, err = servedSpec(); err != nil {
		return nil, err
	}
	if a.docs, err = servedDocs(); err != nil {
		return nil, err
	}
	if a.sockets, err = a.newSocketEngine(); err != nil {
		return nil, err
	}
	if a.proxies, err = parseProxies(a.cfg.TrustedProxies); err != nil {
		return nil, err
	}
	// configuration is checked before anything is read from the store
	if a.reconciler == nil && d.Store != nil {
		a.reconciler = NewReconciler(d.Store.Client, d.Logger)
	}
	if a.hooks == nil && d.Store != nil {
		if a.hooks, err = webhook.New(d.Store.Client, d.Store.Keys.Seal, a.cfg.Webhooks, d.Logger); err != nil {
			return nil, err
		}
	}
	if a.signer == nil {
		if a.signer, err = loadSigner(ctx, d.Store); err != nil {
			return nil, err
		}
	}
	if err := a.buildEngine(); err != nil {
		return nil, err
	}
	a.registerMetrics(d)
	return a, nil
}

// Handler is the root http.Handler (file-path adapter in front of gin).
func (a *App) Handler() http.Handler { return a.handler }

// Contract returns the loaded spec index.
func (a *App) Contract() *Contract { return a.contract }

func (a *App) buildEngine() error {
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	usePathDecoding(e) // rawpath.go: file names are data (`+` stays a plus)
	e.RedirectTrailingSlash = false
	e.RedirectFixedPath = false
	e.HandleMethodNotAllowed = true
	e.ContextWithFallback = true
	// gin's ClientIP agrees with the rate limiter: X-Forwarded-For only from trusted proxies.
	e.RemoteIPHeaders = []string{"X-Forwarded-For"}
	if err := e.SetTrustedProxies(a.proxies.strings()); err != nil {
		return fmt.Errorf("trusted proxies: %w", err)
	}
	e.Use(a.observe(), a.accessLog(), a.basics(), a.decodePathParams, a.guard()) // metrics first; accesslog.go: one line per request
	e.NoRoute(a.noRoute)
	e.NoMethod(a.noMethod)
	if err := a.registerRoutes(e); err != nil {
		return err
	}
	for _, op := range a.contract.Operations() {
		if !routeRegistered(e, op) {
			return fmt.Errorf("operation %s %s (%s) has no route", op.Method, op.Path, op.ID)
		}
	}
	a.engine = e
	a.handler = filePathAdapter(e)
	return nil
}

func routeRegistered(e *gin.Engine, op *Operation) bool {
	for _, r := range e.Routes() {
		if r.Method == op.Method && r.Path == op.GinPath {
			return true
		}
	}
	return false
}

// oauthAuthenticator adapts the OAuth2 provider to the middleware.
type oauthAuthenticator struct{ p *oauth.Provider }

func (o oauthAuthenticator) Authenticate(ctx context.Context, token string) (Principal, error) {
	got, err := o.p.Authenticate(ctx, token)
	if err != nil {
		return Principal{}, err
	}
	return Principal{UserID: got.UserID, NodeID: got.NodeID, ClientID: got.ClientID, Admin: got.Admin,
		Scopes: got.Scopes, ExpiresAt: got.ExpiresAt}, nil
}
