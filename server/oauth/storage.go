package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/ory/fosite"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/oauthclient"
	"github.com/skypanel/skypanel/ent/oauthtoken"
	"github.com/skypanel/skypanel/server/store"
)

// secretHasher is fosite's client-secret hasher: the keyed HMAC of store.HashSecret, so
// fosite's secret comparison runs in constant time in microseconds (no bcrypt).
type secretHasher struct{ key []byte }

var _ fosite.Hasher = secretHasher{}

func (h secretHasher) Hash(_ context.Context, data []byte) ([]byte, error) {
	return []byte(store.HashSecret(h.key, string(data))), nil
}

func (h secretHasher) Compare(_ context.Context, hash, data []byte) error {
	if !store.VerifySecret(h.key, string(hash), string(data)) {
		return errors.New("client secret mismatch")
	}
	return nil
}

// client is what fosite sees of an OAuth2 client, plus the owner facts the panel needs.
type client struct {
	fosite.DefaultClient
	userID     int // 0 for a node client
	nodeID     int // 0 for a user client
	userAdmin  bool
	userScopes []string
}

// effectiveScopes are the client's scopes the owner still holds: all of them for an admin
// user or a node client; for other users the intersection with the user's scopes, never
// "admin".
func effectiveScopes(c *ent.OAuthClient, u *ent.User) []string {
	if u == nil || u.Admin {
		return append([]string{}, c.Scopes...)
	}
	out := make([]string, 0, len(c.Scopes))
	for _, s := range c.Scopes {
		if s != ScopeAdmin && slices.Contains(u.Scopes, s) {
			out = append(out, s)
		}
	}
	return out
}

func newClient(c *ent.OAuthClient) *client {
	u := c.Edges.User
	fc := &client{DefaultClient: fosite.DefaultClient{
		ID:         c.ID,
		Secret:     []byte(c.SecretHash),
		GrantTypes: fosite.Arguments{"client_credentials"},
		Scopes:     effectiveScopes(c, u),
		Audience:   fosite.Arguments{},
	}}
	if u != nil {
		fc.userID, fc.userAdmin, fc.userScopes = u.ID, u.Admin, u.Scopes
	}
	if c.NodeID != nil {
		fc.nodeID = *c.NodeID
	}
	return fc
}

// storage implements fosite.Storage and oauth2.CoreStorage on ent. Only access tokens are
// stored: the panel issues no authorization codes and no refresh tokens.
type storage struct {
	db    *ent.Client
	evict func(signature string)
	// wmu serialises token inserts of this process, so concurrent issuance queues in Go
	// instead of spinning in SQLite's busy handler (SQLite has one writer at a time anyway).
	wmu sync.Mutex
}

func (s *storage) loadClient(ctx context.Context, id string) (*ent.OAuthClient, error) {
	c, err := s.db.OAuthClient.Query().Where(oauthclient.ID(id)).WithUser().Only(ctx)
	if ent.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %w", fosite.ErrNotFound, ErrClientNotFound)
	} else if err != nil {
		return nil, &storageError{fmt.Errorf("load client: %w", err)}
	}
	return c, nil
}

// GetClient implements fosite.ClientManager.
func (s *storage) GetClient(ctx context.Context, id string) (fosite.Client, error) {
	c, err := s.loadClient(ctx, id)
	if err != nil {
		return nil, err
	}
	return newClient(c), nil
}

// ClientAssertionJWTValid implements fosite.ClientManager; JWT client assertions are not
// supported (clients are not OpenID Connect clients), so no JTI is ever known.
func (s *storage) ClientAssertionJWTValid(context.Context, string) error { return nil }

// SetClientAssertionJWT implements fosite.ClientManager (unused, see above).
func (s *storage) SetClientAssertionJWT(context.Context, string, time.Time) error { return nil }

// CreateAccessTokenSession stores the token signature and what is needed to rebuild the
// request: client, scopes, subject, request id, times.
func (s *storage) CreateAccessTokenSession(ctx context.Context, signature string, req fosite.Requester) error {
	sess := req.GetSession()
	s.wmu.Lock()
	defer s.wmu.Unlock()
	err := s.db.OAuthToken.Create().
		SetSignature(signature).
		SetRequestID(req.GetID()).
		SetClientID(req.GetClient().GetID()).
		SetScopes(req.GetGrantedScopes()).
		SetRequestedScopes(req.GetRequestedScopes()).
		SetSubject(sess.GetSubject()).
		SetExpiresAt(sess.GetExpiresAt(fosite.AccessToken).UTC()).
		SetCreatedAt(req.GetRequestedAt().UTC()).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("store access token: %w", err)
	}
	return nil
}

// GetAccessTokenSession rebuilds the request of a stored token; session is hydrated when
// it is a *fosite.DefaultSession.
func (s *storage) GetAccessTokenSession(ctx context.Context, signature string, session fosite.Session) (fosite.Requester, error) {
	t, err := s.db.OAuthToken.Query().
		Where(oauthtoken.Signature(signature)).
		WithClient(func(q *ent.OAuthClientQuery) { q.WithUser() }).
		Only(ctx)
	if ent.IsNotFound(err) {
		return nil, fosite.ErrNotFound
	} else if err != nil {
		return nil, &storageError{fmt.Errorf("load access token: %w", err)}
	}
	ds, ok := session.(*fosite.DefaultSession)
	if !ok || ds == nil {
		ds = &fosite.DefaultSession{}
	}
	ds.SetExpiresAt(fosite.AccessToken, t.ExpiresAt)
	ds.Subject = t.Subject
	return &fosite.Request{
		ID:                t.RequestID,
		RequestedAt:       t.CreatedAt,
		Client:            newClient(t.Edges.Client),
		RequestedScope:    t.RequestedScopes,
		GrantedScope:      t.Scopes,
		RequestedAudience: fosite.Arguments{},
		GrantedAudience:   fosite.Arguments{},
		Form:              url.Values{},
		Session:           ds,
	}, nil
}

// DeleteAccessTokenSession deletes one token and evicts it from the cache.
func (s *storage) DeleteAccessTokenSession(ctx context.Context, signature string) error {
	if _, err := s.db.OAuthToken.Delete().Where(oauthtoken.Signature(signature)).Exec(ctx); err != nil {
		return fmt.Errorf("delete access token: %w", err)
	}
	s.evict(signature)
	return nil
}

// The panel issues neither authorization codes nor refresh tokens; these complete
// oauth2.CoreStorage (required by the introspection handler) and always miss.

func (s *storage) CreateAuthorizeCodeSession(context.Context, string, fosite.Requester) error {
	return fosite.ErrNotFound
}

func (s *storage) GetAuthorizeCodeSession(context.Context, string, fosite.Session) (fosite.Requester, error) {
	return nil, fosite.ErrNotFound
}

func (s *storage) InvalidateAuthorizeCodeSession(context.Context, string) error {
	return fosite.ErrNotFound
}

func (s *storage) CreateRefreshTokenSession(context.Context, string, string, fosite.Requester) error {
	return fosite.ErrNotFound
}

func (s *storage) GetRefreshTokenSession(context.Context, string, fosite.Session) (fosite.Requester, error) {
	return nil, fosite.ErrNotFound
}

func (s *storage) DeleteRefreshTokenSession(context.Context, string) error { return fosite.ErrNotFound }

func (s *storage) RotateRefreshToken(context.Context, string, string) error {
	return fosite.ErrNotFound
}

// storageError marks a database failure (as opposed to an unknown or invalid credential).
type storageError struct{ err error }

func (e *storageError) Error() string { return e.err.Error() }
func (e *storageError) Unwrap() error { return e.err }

func subjectOf(c *client) string {
	if c.userID != 0 {
		return strconv.Itoa(c.userID)
	}
	return ""
}

// touch sets a client's last_used_at.
func (s *storage) touch(ctx context.Context, id string, t time.Time) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	err := s.db.OAuthClient.UpdateOneID(id).SetLastUsedAt(t).Exec(ctx)
	if ent.IsNotFound(err) {
		return nil
	}
	return err
}
