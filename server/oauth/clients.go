package oauth

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/node"
	"github.com/skypanel/skypanel/ent/oauthclient"
	"github.com/skypanel/skypanel/ent/oauthtoken"
	"github.com/skypanel/skypanel/server/store"
)

// Limits of client management.
const (
	clientIDBytes   = 18 // 24 base64url characters
	maxScopeLen     = 64
	maxClientScopes = 64
	maxClientName   = 128
	// NodeClientPrefix starts the client id of a node's deployment client: ".node_<id>".
	NodeClientPrefix = ".node_"
)

// Client is an OAuth2 client as listed (never with its secret).
type Client struct {
	ID         string
	Name       string
	UserID     *int // nil for a node client
	NodeID     *int // nil for a user client
	Scopes     []string
	CreatedAt  time.Time
	LastUsedAt *time.Time
}

// NodeClientID is the client id of a node's deployment client.
func NodeClientID(nodeID int) string { return NodeClientPrefix + strconv.Itoa(nodeID) }

// CreateClient creates a client for a user and returns its id and secret; the secret is
// shown once and stored as a keyed hash. An admin user may grant any scope; another user
// only scopes of their own ("admin" never); "node" is reserved for deployment clients.
// A refused scope is a *ScopeError (ErrScopeNotAllowed or ErrInvalidScope).
func (p *Provider) CreateClient(ctx context.Context, userID int, name string, scopes []string) (clientID, secret string, err error) {
	scopes, err = normaliseScopes(scopes)
	if err != nil {
		return "", "", err
	}
	if len(name) > maxClientName {
		return "", "", fmt.Errorf("%w: the client name is longer than %d bytes", ErrInvalidOptions, maxClientName)
	}
	u, err := p.db.User.Get(ctx, userID)
	if ent.IsNotFound(err) {
		return "", "", fmt.Errorf("%w: %d", ErrUserNotFound, userID)
	} else if err != nil {
		return "", "", fmt.Errorf("create client: %w", err)
	}
	for _, s := range scopes {
		if s == ScopeNode || !u.Admin && (s == ScopeAdmin || !slices.Contains(u.Scopes, s)) {
			return "", "", &ScopeError{Scope: s, Err: ErrScopeNotAllowed}
		}
	}
	clientID, secret = store.RandomString(clientIDBytes), store.NewSecret()
	err = p.db.OAuthClient.Create().
		SetID(clientID).
		SetName(name).
		SetSecretHash(store.HashSecret(p.secretKey, secret)).
		SetScopes(scopes).
		SetUserID(userID).
		Exec(ctx)
	if err != nil {
		return "", "", fmt.Errorf("create client: %w", err)
	}
	return clientID, secret, nil
}

// normaliseScopes checks scope tokens (RFC 6749 §3.3, no spaces) and removes duplicates,
// keeping the order.
func normaliseScopes(scopes []string) ([]string, error) {
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		if s == "" || len(s) > maxScopeLen || strings.IndexFunc(s, invalidScopeRune) >= 0 {
			return nil, &ScopeError{Scope: s, Err: ErrInvalidScope}
		}
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	if len(out) > maxClientScopes {
		return nil, fmt.Errorf("%w: more than %d scopes", ErrInvalidScope, maxClientScopes)
	}
	return out, nil
}

func invalidScopeRune(r rune) bool {
	return r > unicode.MaxASCII || r <= ' ' || r == '"' || r == '\\' || r == 0x7f
}

// ListClients lists clients, of one user when userID is not nil, ordered by creation time
// then id. page starts at 1; limit is clamped to 1..100. It returns the total count too.
func (p *Provider) ListClients(ctx context.Context, userID *int, page, limit int) ([]Client, int, error) {
	page = max(page, 1)
	if limit < 1 || limit > 100 {
		limit = min(max(limit, 1), 100)
	}
	q := p.db.OAuthClient.Query()
	if userID != nil {
		q = q.Where(oauthclient.UserID(*userID))
	}
	total, err := q.Clone().Count(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("count clients: %w", err)
	}
	rows, err := q.Order(ent.Asc(oauthclient.FieldCreatedAt), ent.Asc(oauthclient.FieldID)).
		Offset((page - 1) * limit).Limit(limit).All(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("list clients: %w", err)
	}
	out := make([]Client, len(rows))
	for i, c := range rows {
		out[i] = Client{ID: c.ID, Name: c.Name, UserID: c.UserID, NodeID: c.NodeID,
			Scopes: c.Scopes, CreatedAt: c.CreatedAt, LastUsedAt: c.LastUsedAt}
	}
	return out, total, nil
}

// DeleteClient deletes a client and its tokens; with userID not nil, only a client of that
// user (ErrClientNotFound otherwise). Its tokens stop working at once in this process.
func (p *Provider) DeleteClient(ctx context.Context, clientID string, userID *int) error {
	err := p.withTx(ctx, func(tx *ent.Tx) error {
		q := tx.OAuthClient.Query().Where(oauthclient.ID(clientID))
		if userID != nil {
			q = q.Where(oauthclient.UserID(*userID))
		}
		if ok, err := q.Exist(ctx); err != nil {
			return err
		} else if !ok {
			return fmt.Errorf("%w: %s", ErrClientNotFound, clientID)
		}
		if _, err := tx.OAuthToken.Delete().Where(oauthtoken.ClientID(clientID)).Exec(ctx); err != nil {
			return err
		}
		return tx.OAuthClient.DeleteOneID(clientID).Exec(ctx)
	})
	p.cache.evictClient(clientID)
	p.lastUsed.Delete(clientID)
	return err
}

// CreateNodeClient creates the deployment client ".node_<id>" of a node, or rotates its
// secret; either way it returns a fresh secret and the client's previous tokens are revoked.
func (p *Provider) CreateNodeClient(ctx context.Context, nodeID int) (clientID, secret string, err error) {
	clientID, secret = NodeClientID(nodeID), store.NewSecret()
	hash := store.HashSecret(p.secretKey, secret)
	err = p.withTx(ctx, func(tx *ent.Tx) error {
		n, err := tx.Node.Query().Where(node.ID(nodeID)).Only(ctx)
		if ent.IsNotFound(err) {
			return fmt.Errorf("%w: %d", ErrNodeNotFound, nodeID)
		} else if err != nil {
			return err
		}
		if _, err := tx.OAuthToken.Delete().Where(oauthtoken.ClientID(clientID)).Exec(ctx); err != nil {
			return err
		}
		return tx.OAuthClient.Create().
			SetID(clientID).
			SetName("node " + n.Name).
			SetSecretHash(hash).
			SetScopes([]string{ScopeNode}).
			SetNodeID(nodeID).
			OnConflictColumns(oauthclient.FieldID).
			UpdateSecretHash().UpdateName().UpdateScopes().UpdateNodeID().
			Exec(ctx)
	})
	p.cache.evictClient(clientID)
	if err != nil {
		return "", "", err
	}
	return clientID, secret, nil
}

// Cleanup deletes expired tokens and returns how many; run it on a ticker.
func (p *Provider) Cleanup(ctx context.Context) (int, error) {
	now := time.Now()
	p.cache.prune(now)
	n, err := p.db.OAuthToken.Delete().Where(oauthtoken.ExpiresAtLT(now.UTC())).Exec(withoutFlush(ctx))
	if err != nil {
		return 0, fmt.Errorf("delete expired tokens: %w", err)
	}
	return n, nil
}

// withTx runs fn in a transaction (immediate: the store's DSN sets _txlock=immediate).
func (p *Provider) withTx(ctx context.Context, fn func(*ent.Tx) error) error {
	tx, err := p.db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}
