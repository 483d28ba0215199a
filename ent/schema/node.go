package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// Node is a machine running the daemon. The local node (embedded in `skypanel serve`) has
// local=true. The node secret is stored only as a keyed hash; the deployment client's secret
// is stored sealed (it is shown again on request).
type Node struct{ ent.Schema }

// Mixin of Node.
func (Node) Mixin() []ent.Mixin { return []ent.Mixin{Timestamps{}} }

// Fields of Node.
func (Node) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(128).Unique(),
		field.String("public_host").Default(""),
		field.String("private_host").Default(""),
		field.Int("public_port").Range(0, 65535).Default(8080),
		field.Int("private_port").Range(0, 65535).Default(8080),
		field.Int("sftp_port").Range(0, 65535).Default(5657),
		field.String("secret_hash").Sensitive().Default(""),
		field.Bool("local").Default(false),
		// deployment_secret_enc is the deployment client's secret sealed with the data folder's
		// key (bound to the node id), so GET /api/nodes/{id}/deployment returns the same
		// credentials every call; the OAuth client keeps only a hash. Empty: none issued yet.
		field.Bytes("deployment_secret_enc").Optional().Sensitive(),
	}
}

// Edges of Node. A node that hosts servers cannot be deleted (foreign key, no action); its
// deployment client goes with it; linked database hosts are unlinked.
func (Node) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("servers", Server.Type),
		edge.To("clients", OAuthClient.Type).
			Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("database_hosts", DatabaseHost.Type).
			Annotations(entsql.OnDelete(entsql.SetNull)),
	}
}

// Indexes of Node: name is unique (indexed by the constraint); lists are ordered by id.
func (Node) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("local"),
	}
}

// Setting is one persisted panel setting (companyName, defaultTheme, masterUrl,
// registrationEnabled, …) as a key/value pair; values are strings (JSON if structured).
type Setting struct{ ent.Schema }

// Fields of Setting.
func (Setting) Fields() []ent.Field {
	return []ent.Field{
		field.String("key").NotEmpty().MaxLen(128).Unique().Immutable(),
		field.String("value").Default(""),
	}
}
