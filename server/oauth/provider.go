// Package oauth is the panel's OAuth2 authorization server: the client credentials grant on
// ory/fosite with ent storage, token introspection (RFC 7662), bearer-token authentication
// for the API middleware (with an in-memory cache), and OAuth2 client management for the
// CLI and the /api/self/oauth2 routes.
//
// Client secrets are 256-bit random strings stored as a keyed HMAC-SHA256 (see
// store.HashSecret); access tokens are fosite HMAC-SHA512/256 tokens of which only the
// signature is stored.
package oauth

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/ory/fosite"
	"github.com/ory/fosite/compose"
	"github.com/ory/fosite/handler/oauth2"

	"github.com/skypanel/skypanel/ent"
)

// Defaults of Options.
const (
	DefaultTokenTTL        = time.Hour
	DefaultCacheSize       = 10000
	DefaultCacheRevalidate = 10 * time.Second
)

// Scopes with a meaning of their own.
const (
	// ScopeAdmin on a client of an admin user makes the principal an administrator.
	ScopeAdmin = "admin"
	// ScopeNode is the scope of a node's deployment client.
	ScopeNode = "node"
)

// Options configure a Provider.
type Options struct {
	Client       *ent.Client
	GlobalSecret []byte // ≥ 32 bytes: signs access tokens (store.Keys.OAuth2)
	SecretKey    []byte // ≥ 16 bytes: HMAC key of client secrets (store.Keys.SecretHash)
	TokenTTL     time.Duration
	Logger       *slog.Logger
	// CacheSize bounds the Authenticate cache (entries).
	CacheSize int
	// CacheRevalidate is how long a cached token is trusted before it is re-read from the
	// database. Revocations made through this Provider (or through ent mutations in this
	// process) evict at once; this bounds the delay for changes made by another process
	// (e.g. `skypanel oauth2 delete` while `serve` runs).
	CacheRevalidate time.Duration
}

// Provider is the OAuth2 server. It is safe for concurrent use.
type Provider struct {
	db        *ent.Client
	log       *slog.Logger
	fosite    fosite.OAuth2Provider
	strategy  *oauth2.HMACSHAStrategy
	secretKey []byte
	ttl       time.Duration
	cache     *tokenCache
	storage   *storage

	lastUsed sync.Map // client id → time.Time of the last last_used_at write
}

// New builds the provider and registers ent hooks on opts.Client that evict the token
// cache when users, nodes, clients or tokens are deleted or their rights change.
func New(ctx context.Context, opts Options) (*Provider, error) {
	if opts.Client == nil {
		return nil, fmt.Errorf("%w: no ent client", ErrInvalidOptions)
	}
	if len(opts.GlobalSecret) < 32 {
		return nil, fmt.Errorf("%w: the global secret must be at least 32 bytes", ErrInvalidOptions)
	}
	if len(opts.SecretKey) < 16 {
		return nil, fmt.Errorf("%w: the secret key must be at least 16 bytes", ErrInvalidOptions)
	}
	if opts.TokenTTL <= 0 {
		opts.TokenTTL = DefaultTokenTTL
	}
	if opts.CacheSize <= 0 {
		opts.CacheSize = DefaultCacheSize
	}
	if opts.CacheRevalidate <= 0 {
		opts.CacheRevalidate = DefaultCacheRevalidate
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Provider{
		db:        opts.Client,
		log:       opts.Logger.With("component", "oauth"),
		secretKey: append([]byte(nil), opts.SecretKey...),
		ttl:       opts.TokenTTL,
		cache:     newTokenCache(opts.CacheSize, opts.CacheRevalidate),
	}
	p.storage = &storage{db: opts.Client, evict: p.cache.evictSignature}
	cfg := &fosite.Config{
		AccessTokenLifespan:           opts.TokenTTL,
		GlobalSecret:                  append([]byte(nil), opts.GlobalSecret...),
		ScopeStrategy:                 fosite.ExactScopeStrategy,
		ClientSecretsHasher:           secretHasher{key: p.secretKey},
		DisableRefreshTokenValidation: true,
	}
	p.strategy = compose.NewOAuth2HMACStrategy(cfg)
	p.fosite = compose.Compose(cfg, p.storage, p.strategy,
		compose.OAuth2ClientCredentialsGrantFactory,
		compose.OAuth2TokenIntrospectionFactory,
	)
	p.registerHooks()
	return p, nil
}

// TTL is the lifetime of issued access tokens.
func (p *Provider) TTL() time.Duration { return p.ttl }

// InvalidateCache drops every cached token, so the next request of each re-reads the
// database. Call it after changing users, clients or tokens outside ent (raw SQL).
func (p *Provider) InvalidateCache() { p.cache.flush() }
