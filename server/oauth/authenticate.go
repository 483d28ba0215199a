package oauth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ory/fosite"
)

// tokenPrefix is the prefix fosite's HMAC strategy gives access tokens.
const tokenPrefix = "ory_at_"

// Principal is the caller behind a valid access token.
type Principal struct {
	UserID   int    // owner of the client; 0 for a node client
	NodeID   int    // node of a deployment client; 0 for a user client
	ClientID string // the OAuth2 client the token was issued to
	// Admin is the effective administrator flag: the token holds "admin" and its user is an
	// administrator.
	Admin bool
	// Scopes are the token's granted scopes that the client and its user still hold.
	Scopes    []string
	ExpiresAt time.Time
}

// HasScope reports whether the principal is an administrator or holds scope exactly
// (scope implications are the API layer's business).
func (p Principal) HasScope(scope string) bool {
	return p.Admin || slices.Contains(p.Scopes, scope)
}

// Authenticate validates a bearer token (without the "Bearer " prefix) and returns its
// principal. The HMAC is checked on every call; the database is read on a cache miss and
// then at most every Options.CacheRevalidate per token. Errors: ErrInvalidToken,
// ErrExpiredToken, or a wrapped storage error (a server fault, not the caller's).
func (p *Provider) Authenticate(ctx context.Context, bearer string) (Principal, error) {
	raw, ok := strings.CutPrefix(bearer, tokenPrefix)
	if !ok || raw == "" {
		return Principal{}, ErrInvalidToken
	}
	if err := p.strategy.Enigma.Validate(ctx, raw); err != nil {
		return Principal{}, ErrInvalidToken
	}
	sig := p.strategy.AccessTokenSignature(ctx, raw)
	now := time.Now()
	e, gen := p.cache.get(sig, now)
	if e == nil {
		var err error
		if e, err = p.load(ctx, bearer, now); err != nil {
			return Principal{}, err
		}
		p.cache.put(sig, e, gen)
	}
	if !e.principal.ExpiresAt.After(now) {
		p.cache.remove(sig)
		return Principal{}, ErrExpiredToken
	}
	out := e.principal
	out.Scopes = slices.Clone(out.Scopes)
	return out, nil
}

// load reads and validates a token through fosite's introspection handler.
func (p *Provider) load(ctx context.Context, bearer string, now time.Time) (*cacheEntry, error) {
	_, ar, err := p.fosite.IntrospectToken(ctx, bearer, fosite.AccessToken, &fosite.DefaultSession{})
	switch {
	case err == nil:
	case errors.Is(err, fosite.ErrTokenExpired):
		return nil, ErrExpiredToken
	case errors.As(err, new(*storageError)):
		return nil, fmt.Errorf("authenticate: %w", err)
	default:
		return nil, ErrInvalidToken
	}
	c, ok := ar.GetClient().(*client)
	if !ok {
		return nil, fmt.Errorf("authenticate: unexpected client type %T", ar.GetClient())
	}
	return &cacheEntry{principal: principalOf(c, ar), loadedAt: now}, nil
}

func principalOf(c *client, ar fosite.Requester) Principal {
	scopes := make([]string, 0, len(ar.GetGrantedScopes()))
	for _, s := range ar.GetGrantedScopes() {
		if slices.Contains(c.Scopes, s) { // c.Scopes: what the client and its owner still hold
			scopes = append(scopes, s)
		}
	}
	return Principal{
		UserID:    c.userID,
		NodeID:    c.nodeID,
		ClientID:  c.ID,
		Admin:     c.userID != 0 && c.userAdmin && slices.Contains(scopes, ScopeAdmin),
		Scopes:    scopes,
		ExpiresAt: ar.GetSession().GetExpiresAt(fosite.AccessToken),
	}
}
