package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
)

// DatabaseHost is a MySQL/MariaDB server the panel creates server databases on. The
// password is AES-GCM ciphertext (store.Sealer with the data-folder key).
type DatabaseHost struct{ ent.Schema }

// Mixin of DatabaseHost.
func (DatabaseHost) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}} }

// Fields of DatabaseHost.
func (DatabaseHost) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(128).Unique(),
		field.String("host").NotEmpty(),
		field.Int("port").Range(1, 65535).Default(3306),
		field.String("username").NotEmpty(),
		field.Bytes("password_enc").Sensitive(),
		field.Int("max_databases").Optional().Nillable().NonNegative(),
		field.Int("node_id").Optional().Nillable(),
	}
}

// Edges of DatabaseHost. A host with databases cannot be deleted (foreign key, no action).
func (DatabaseHost) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("node", Node.Type).Ref("database_hosts").Field("node_id").Unique(),
		edge.To("databases", ServerDatabase.Type),
	}
}

// Indexes of DatabaseHost.
func (DatabaseHost) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("node_id"),
	}
}

// ServerDatabase is a database created for a server on a database host. Names and usernames
// are unique per host. The password is AES-GCM ciphertext, optional.
type ServerDatabase struct{ ent.Schema }

// Mixin of ServerDatabase.
func (ServerDatabase) Mixin() []ent.Mixin { return []ent.Mixin{CreatedAt{}} }

// Fields of ServerDatabase.
func (ServerDatabase) Fields() []ent.Field {
	return []ent.Field{
		field.String("server_id"),
		field.Int("host_id"),
		field.String("name").NotEmpty().MaxLen(64),
		field.String("username").NotEmpty().MaxLen(32),
		field.Bytes("password_enc").Optional().Sensitive(),
	}
}

// Edges of ServerDatabase.
func (ServerDatabase) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("server", Server.Type).Ref("databases").Field("server_id").Unique().Required(),
		edge.From("host", DatabaseHost.Type).Ref("databases").Field("host_id").Unique().Required(),
	}
}

// Indexes of ServerDatabase: per-host uniqueness, list by server (ordered by id).
func (ServerDatabase) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("host_id", "name").Unique(),
		index.Fields("host_id", "username").Unique(),
		index.Fields("server_id", "id"),
	}
}
