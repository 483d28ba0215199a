package oauth

import (
	"context"
	"slices"

	entgo "entgo.io/ent"

	"github.com/skypanel/skypanel/ent"
	"github.com/skypanel/skypanel/ent/oauthclient"
	"github.com/skypanel/skypanel/ent/user"
)

type noFlushKey struct{}

// withoutFlush marks a context whose mutations must not flush the token cache (the
// periodic deletion of expired tokens, which cannot revoke a valid token).
func withoutFlush(ctx context.Context) context.Context {
	return context.WithValue(ctx, noFlushKey{}, true)
}

// registerHooks makes every ent mutation of this process that can revoke a token flush the
// cache: deleting users, nodes, clients or tokens, changing a user's admin flag or scopes,
// changing a client's secret, scopes or owner. Cascades performed by the database itself
// (ON DELETE CASCADE) are covered because their root deletion is one of these mutations.
func (p *Provider) registerHooks() {
	p.db.User.Use(p.flushHook(user.FieldAdmin, user.FieldScopes))
	p.db.Node.Use(p.flushHook())
	p.db.OAuthClient.Use(p.flushHook(oauthclient.FieldSecretHash, oauthclient.FieldScopes,
		oauthclient.FieldUserID, oauthclient.FieldNodeID))
	p.db.OAuthToken.Use(p.flushHook())
}

// flushHook flushes the cache after a successful delete, or an update touching fields.
func (p *Provider) flushHook(fields ...string) ent.Hook {
	return func(next ent.Mutator) ent.Mutator {
		return entgo.MutateFunc(func(ctx context.Context, m entgo.Mutation) (entgo.Value, error) {
			v, err := next.Mutate(ctx, m)
			if err == nil && ctx.Value(noFlushKey{}) == nil && revokes(m, fields) {
				p.cache.flush()
			}
			return v, err
		})
	}
}

func revokes(m entgo.Mutation, fields []string) bool {
	switch {
	case m.Op().Is(entgo.OpDelete | entgo.OpDeleteOne):
		return true
	case m.Op().Is(entgo.OpUpdate | entgo.OpUpdateOne):
		for _, f := range append(m.Fields(), m.ClearedFields()...) {
			if slices.Contains(fields, f) {
				return true
			}
		}
	}
	return false
}
