package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// OAuthClient is an OAuth2 client (client credentials grant). The id is the client_id:
// random and URL-safe for user clients, ".node_<id>" for a node's deployment client. The
// secret is stored only as a keyed hash.
type OAuthClient struct{ ent.Schema }

// Mixin of OAuthClient.
func (OAuthClient) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}} }

// Fields of OAuthClient.
func (OAuthClient) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").NotEmpty().MaxLen(64).Immutable(),
		field.String("name").MaxLen(128).Default(""),
		field.String("secret_hash").Sensitive(),
		field.Strings("scopes").Default([]string{}),
		// user_id is set for user clients; node_id for a node's deployment client.
		field.Int("user_id").Optional().Nillable(),
		field.Int("node_id").Optional().Nillable(),
		field.Time("last_used_at").Optional().Nillable(),
	}
}

// Edges of OAuthClient. Deleting a client deletes its tokens.
func (OAuthClient) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("clients").Field("user_id").Unique(),
		edge.From("node", Node.Type).Ref("clients").Field("node_id").Unique(),
		edge.To("tokens", OAuthToken.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}

// Indexes of OAuthClient: list by user (ordered by creation), list all, find by node.
func (OAuthClient) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("user_id", "created_at"),
		index.Fields("created_at"),
		index.Fields("node_id"),
	}
}

// OAuthToken is an issued access token. Only fosite's HMAC signature of the token is
// stored (it cannot be turned back into the token); the token itself is never persisted.
type OAuthToken struct{ ent.Schema }

// Mixin of OAuthToken.
func (OAuthToken) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}} }

// Fields of OAuthToken. created_at is the request time fosite reports as "iat".
func (OAuthToken) Fields() []ent.Field {
	return []ent.Field{
		field.String("signature").NotEmpty().Unique().Immutable(),
		field.String("request_id").Immutable(),
		field.String("client_id").Immutable(),
		field.Strings("scopes").Default([]string{}).Immutable(),
		field.Strings("requested_scopes").Default([]string{}).Immutable(),
		field.String("subject").Default("").Immutable(),
		field.Time("expires_at").Immutable(),
	}
}

// Edges of OAuthToken.
func (OAuthToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("client", OAuthClient.Type).Ref("tokens").Field("client_id").
			Unique().Required().Immutable(),
	}
}

// Indexes of OAuthToken: expiry (cleanup), client (revocation), request id (RFC 7009).
func (OAuthToken) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("expires_at"),
		index.Fields("client_id"),
		index.Fields("request_id"),
	}
}
