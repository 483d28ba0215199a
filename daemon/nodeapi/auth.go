package nodeapi

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v3"
	"github.com/go-jose/go-jose/v3/jwt"
)

// The panel's tokens for a node (daemon.yaml's panelToken): a compact JWS, alg EdDSA, kid from
// the panel's JWKS, iss TokenIssuer, aud "node:<id>", iat/nbf/exp with exp−iat ≤
// MaxTokenLifetime, a unique jti.
const (
	// TokenIssuer is the iss claim of every panel token.
	TokenIssuer = "skypanel"
	// ClockSkew is the clock difference between panel and node that tokens tolerate.
	ClockSkew = 60 * time.Second
	// MaxTokenLifetime bounds exp − iat.
	MaxTokenLifetime = 300 * time.Second
	// JWKSRefetchInterval is the least time between two fetches of the panel's key set.
	JWKSRefetchInterval = 10 * time.Second
	// maxJTI bounds a token id's length (the panel sends 32 hex characters).
	maxJTI = 128
	// defaultReplayCapacity bounds the jti cache; when full, tokens are refused (fail closed).
	defaultReplayCapacity = 1 << 20
)

// Audience is the aud claim of tokens for node id.
func Audience(nodeID int) string { return "node:" + strconv.Itoa(nodeID) }

// VerifierOptions configure a Verifier.
type VerifierOptions struct {
	// JWKSURL is the panel's key set: <panel>/.well-known/jwks.json.
	JWKSURL string
	// NodeID is this node's id; tokens must be for Audience(NodeID).
	NodeID int
	// Client fetches the key set, so the caller's TLS settings (a CA file) apply. Nil: a
	// client with a 10 s timeout.
	Client *http.Client
	// Logger gets key set fetches and failures; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil is time.Now. Tests set it.
	Now func() time.Time
	// ReplayCapacity bounds the remembered token ids (default 1<<20).
	ReplayCapacity int
}

// Verifier checks the panel's tokens for one node. Safe for concurrent use.
type Verifier struct {
	aud    string
	now    func() time.Time
	keys   *keySet
	replay *replayCache
	log    *slog.Logger
}

// NewVerifier returns a Verifier for opts. The key set is fetched when a token first needs it.
func NewVerifier(opts VerifierOptions) (*Verifier, error) {
	u, err := url.Parse(opts.JWKSURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("%w: JWKS URL %q must be an absolute http(s) URL", ErrVerifierConfig, opts.JWKSURL)
	}
	if opts.NodeID < 1 {
		return nil, fmt.Errorf("%w: node id %d", ErrVerifierConfig, opts.NodeID)
	}
	if opts.Client == nil {
		opts.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.ReplayCapacity <= 0 {
		opts.ReplayCapacity = defaultReplayCapacity
	}
	log := opts.Logger.With("component", "nodeapi.auth")
	return &Verifier{
		aud:    Audience(opts.NodeID),
		now:    opts.Now,
		keys:   &keySet{url: opts.JWKSURL, client: opts.Client, now: opts.Now, log: log},
		replay: newReplayCache(opts.ReplayCapacity),
		log:    log,
	}, nil
}

// VerifyRequest verifies the request's bearer token.
func (v *Verifier) VerifyRequest(r *http.Request) error {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return fmt.Errorf("%w: %w", ErrUnauthorized, ErrTokenMissing)
	}
	return v.Verify(r.Context(), strings.TrimSpace(token))
}

// Verify checks token: its form, algorithm, key, signature, claims and time, and that its jti
// was never accepted before (the jti is remembered on success). Errors wrap ErrUnauthorized
// and the reason's sentinel.
func (v *Verifier) Verify(ctx context.Context, token string) error {
	c, err := v.verifySignature(ctx, token)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	now := v.now()
	if err := v.checkClaims(c, now); err != nil {
		return fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	if err := v.replay.add(c.ID, c.Expiry.Time().Add(ClockSkew), now); err != nil {
		return fmt.Errorf("%w: %w", ErrUnauthorized, err)
	}
	return nil
}

// verifySignature parses a compact JWS, requires alg EdDSA and a known kid, and returns its
// claims once the signature checks out.
func (v *Verifier) verifySignature(ctx context.Context, token string) (*jwt.Claims, error) {
	if strings.Count(token, ".") != 2 || strings.HasPrefix(token, "{") {
		return nil, fmt.Errorf("%w: not a compact JWS", ErrTokenMalformed)
	}
	tok, err := jwt.ParseSigned(token)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTokenMalformed, err)
	}
	if len(tok.Headers) != 1 {
		return nil, fmt.Errorf("%w: %d signatures", ErrTokenMalformed, len(tok.Headers))
	}
	hdr := tok.Headers[0]
	if hdr.Algorithm != string(jose.EdDSA) {
		return nil, fmt.Errorf("%w: %q", ErrTokenAlgorithm, hdr.Algorithm)
	}
	if hdr.KeyID == "" {
		return nil, fmt.Errorf("%w: no kid", ErrTokenKey)
	}
	key, err := v.keys.lookup(ctx, hdr.KeyID)
	if err != nil {
		return nil, err
	}
	var c jwt.Claims
	if err := tok.Claims(key, &c); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrTokenSignature, err)
	}
	return &c, nil
}

// checkClaims checks iss, aud, jti and the time claims with ClockSkew of leeway.
func (v *Verifier) checkClaims(c *jwt.Claims, now time.Time) error {
	switch {
	case c.Issuer != TokenIssuer:
		return fmt.Errorf("%w: iss %q", ErrTokenClaims, c.Issuer)
	case len(c.Audience) != 1 || c.Audience[0] != v.aud:
		return fmt.Errorf("%w: aud %q, want [%q]", ErrTokenClaims, []string(c.Audience), v.aud)
	case c.ID == "" || len(c.ID) > maxJTI:
		return fmt.Errorf("%w: jti missing or too long", ErrTokenClaims)
	case c.IssuedAt == nil || c.NotBefore == nil || c.Expiry == nil:
		return fmt.Errorf("%w: iat, nbf and exp are required", ErrTokenClaims)
	}
	iat, exp := c.IssuedAt.Time(), c.Expiry.Time()
	if !exp.After(iat) || exp.Sub(iat) > MaxTokenLifetime {
		return fmt.Errorf("%w: exp − iat = %s (at most %s)", ErrTokenLifetime, exp.Sub(iat), MaxTokenLifetime)
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Time: now}, ClockSkew); err != nil {
		return fmt.Errorf("%w: %w", ErrTokenTime, err)
	}
	return nil
}
